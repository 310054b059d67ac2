# libFuzzer targets (STEREOGRAD_FUZZ=ON, clang++): one per parser of outside input, each
# tests/fuzz/fuzz_<parser>.cpp linked with the instrumented stereograd_core. The root
# CMakeLists.txt has already turned on ASan, UBSan and coverage for every target.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "STEREOGRAD_FUZZ needs clang++ (libFuzzer): configure with "
                      "-DCMAKE_CXX_COMPILER=clang++")
endif()
file(GLOB STEREOGRAD_FUZZ_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/fuzz_*.cpp)
foreach(src ${STEREOGRAD_FUZZ_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src} ${CMAKE_CURRENT_LIST_DIR}/feed.cpp
                         ${CMAKE_CURRENT_LIST_DIR}/register_backends.cpp)
  stereograd_include_root(${name} tests)
  target_link_libraries(${name} PRIVATE stereograd_core)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endforeach()
