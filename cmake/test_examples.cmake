# The CTest test "examples: install, build against the package, run" (root
# CMakeLists.txt), run as `cmake -DBUILD_DIR=… -DSOURCE_DIR=… -DCXX=… -P` this file:
# installs the build to a temporary prefix, configures examples/ as a project of its own
# that finds only that prefix, builds it, runs both programs, and checks that
# docs/autograd.md quotes exactly what autograd_walkthrough prints.
set(work ${BUILD_DIR}/examples-test)
file(REMOVE_RECURSE ${work})
file(MAKE_DIRECTORY ${work})

# Runs a command in ${work}; fails the test with its output unless it exits with 0.
function(step)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${work} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

step(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${work}/prefix)
step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples -B ${work}/build -DCMAKE_BUILD_TYPE=Release
     -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${work}/prefix
     -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
# The package must come from the prefix, not from this source or build tree.
file(STRINGS ${work}/build/CMakeCache.txt found REGEX "^stereograd_DIR:")
if(NOT found MATCHES "${work}/prefix/")
  message(FATAL_ERROR "find_package(stereograd) did not use the installed package: ${found}")
endif()
step(${CMAKE_COMMAND} --build ${work}/build -j2)

step(${work}/build/train_own_npy)
message("${out}")
step(${work}/build/autograd_walkthrough)
message("${out}")
file(READ ${SOURCE_DIR}/docs/autograd.md doc)
string(FIND "${doc}" "${out}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "docs/autograd.md does not quote autograd_walkthrough's output above")
endif()
