# The CTest tests "layers: <target> sees <allowed>, not <forbidden>" (root CMakeLists.txt),
# run as
#   cmake -DCXX=… -DWORK=<dir> -DINCLUDES=<dir>|<dir>… -DALLOWED=<header>
#         -DFORBIDDEN=<header> -P cmake/test_layers.cmake
# with a library's include path (its own root and those of what it links): a file that
# includes ALLOWED must compile with it, and one that includes FORBIDDEN, a header of a
# layer that library must not use, must fail with the compiler's "No such file". The
# first shows the include path is the real one, so the second fails for the right reason.
string(REPLACE "|" ";" dirs "${INCLUDES}")
set(flags -std=c++17 -fsyntax-only)
foreach(d ${dirs})
  list(APPEND flags -I${d})
endforeach()
file(MAKE_DIRECTORY ${WORK})

# Compiles a file that includes `header`; sets rc and out.
function(probe header)
  file(WRITE ${WORK}/probe.cpp "#include \"${header}\"\n")
  execute_process(COMMAND ${CXX} ${flags} ${WORK}/probe.cpp
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  set(rc ${rc} PARENT_SCOPE)
  set(out "${out}" PARENT_SCOPE)
endfunction()

probe(${ALLOWED})
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "#include \"${ALLOWED}\" should compile with this include path:\n${out}")
endif()
probe(${FORBIDDEN})
if(rc EQUAL 0)
  message(FATAL_ERROR "#include \"${FORBIDDEN}\" compiled: the layer can see it")
endif()
if(NOT out MATCHES "No such file")
  message(FATAL_ERROR "#include \"${FORBIDDEN}\" failed, but not for want of the file:\n${out}")
endif()
message("#include \"${FORBIDDEN}\" fails as it should:\n${out}")
