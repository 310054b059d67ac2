// The doctest runner for the whole suite (CTest runs each test case on its own).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
