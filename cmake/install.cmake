# The engine as a library (README, "Using the engine from your own program"):
#   cmake --install build --prefix /opt/stereograd
# installs the static libraries of every layer, the CLI, the headers of the public API
# under include/stereograd/ (engine/, models/, data/ and kernels/registry.h: what a
# program includes, and what those include in turn), and a CMake package, so that
# another project does
#   find_package(stereograd REQUIRED)
#   target_link_libraries(app PRIVATE stereograd::stereograd)
# examples/ is such a project; the CTest test `examples: install, build against the
# package, run` (cmake/test_examples.cmake) builds and runs it on every test run.
# Included by the root CMakeLists.txt once the libraries of the layers, the aggregate
# stereograd_core (each with its include root, STEREOGRAD_INSTALL_INCLUDEDIR once
# installed) and the CLI exist.
include(CMakePackageConfigHelpers)
set(STEREOGRAD_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/stereograd)

# Outside, the aggregate of every layer is stereograd::stereograd, and each layer
# stereograd::<layer> (stereograd::engine, stereograd::kernels_cpu, ...); inside, the
# aggregate's name works too.
set_target_properties(stereograd_core PROPERTIES EXPORT_NAME stereograd)
add_library(stereograd::stereograd ALIAS stereograd_core)

# Every library stereograd_core links from this project must be exported with it.
set(_stereograd_exported stereograd_core)
foreach(layer engine kernels_reference kernels_cpu kernels_cuda kernels_cuda_on_cpu backends
              models data args train)
  if(TARGET stereograd_${layer})
    set_target_properties(stereograd_${layer} PROPERTIES EXPORT_NAME ${layer})
    list(APPEND _stereograd_exported stereograd_${layer})
  endif()
endforeach()
install(TARGETS ${_stereograd_exported} EXPORT stereogradTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS stereograd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT stereogradTargets NAMESPACE stereograd:: DESTINATION ${STEREOGRAD_INSTALL_CMAKEDIR})

# The public headers keep their paths ("engine/tensor.h"), so code compiles the same in
# this tree and against the package.
foreach(dir engine models data)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir} DESTINATION ${STEREOGRAD_INSTALL_INCLUDEDIR}
          FILES_MATCHING PATTERN "*.h")
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/kernels/registry.h
        DESTINATION ${STEREOGRAD_INSTALL_INCLUDEDIR}/kernels)

# stereogradConfig.cmake finds the dependencies the exported targets name (the same
# find_package calls as the root CMakeLists.txt), then includes the targets.
set(STEREOGRAD_PACKAGE_CUDA ${STEREOGRAD_CUDA})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/stereogradConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/stereogradConfig.cmake
  INSTALL_DESTINATION ${STEREOGRAD_INSTALL_CMAKEDIR})
# 0.x: a minor version may change the API, so only the same minor version is compatible.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/stereogradConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/stereogradConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/stereogradConfigVersion.cmake
        DESTINATION ${STEREOGRAD_INSTALL_CMAKEDIR})
