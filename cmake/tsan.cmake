# ThreadSanitizer over the threaded CPU kernels (STEREOGRAD_TSAN; .ci/tsan runs it).
# clang++ only: its libomp has the OMPT interface through which LLVM's Archer tool
# (libarcher.so, loaded by OMP_TOOL_LIBRARIES) tells TSan about OpenMP's barriers, locks
# and reductions; GCC's libgomp tells it nothing, so every parallel loop would be reported
# as a race. The ctest test labelled `tsan` runs the cases that drive the CPU kernels on 1
# and 2 threads; any report fails it (halt_on_error).
if(NOT STEREOGRAD_TSAN)
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "STEREOGRAD_TSAN needs clang++ (libomp + Archer): configure with "
                      "CXX=clang++ CC=clang")
endif()
if(STEREOGRAD_SANITIZE OR STEREOGRAD_FUZZ)
  message(FATAL_ERROR "STEREOGRAD_TSAN cannot be combined with STEREOGRAD_SANITIZE or _FUZZ")
endif()
string(REGEX MATCH "^[0-9]+" _sg_clang_major "${CMAKE_CXX_COMPILER_VERSION}")
find_library(STEREOGRAD_ARCHER archer HINTS /usr/lib/llvm-${_sg_clang_major}/lib)
if(NOT STEREOGRAD_ARCHER)
  message(FATAL_ERROR "STEREOGRAD_TSAN: no libarcher.so for clang ${_sg_clang_major} "
                      "(Debian: apt-get install libomp-${_sg_clang_major}-dev)")
endif()
add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -O1 -g)
add_link_options(-fsanitize=thread)

# The cases that drive the CPU kernels on 1 and 2 threads, in an executable of their own
# (the instrumented build of the whole suite is not needed for them). Defined at the end of
# the root CMakeLists.txt, where doctest is found.
function(stereograd_add_tsan_test)
  add_executable(stereograd_tsan_tests ${PROJECT_SOURCE_DIR}/tests/main.cpp
    ${PROJECT_SOURCE_DIR}/tests/op_table.cpp ${PROJECT_SOURCE_DIR}/tests/test_op_table.cpp
    ${PROJECT_SOURCE_DIR}/tests/test_conv_relu_pool.cpp)
  target_link_libraries(stereograd_tsan_tests PRIVATE stereograd_core doctest::doctest)
  add_test(NAME "tsan: threaded CPU kernels" COMMAND stereograd_tsan_tests)
  set_tests_properties("tsan: threaded CPU kernels" PROPERTIES LABELS tsan
    ENVIRONMENT "STEREOGRAD_TEST_BACKENDS=cpu;OMP_TOOL_LIBRARIES=${STEREOGRAD_ARCHER};OMP_NUM_THREADS=2;TSAN_OPTIONS=halt_on_error=1:ignore_noninstrumented_modules=1:second_deadlock_stack=1")
endfunction()
cmake_language(DEFER CALL stereograd_add_tsan_test)
