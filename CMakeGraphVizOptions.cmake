# What `cmake --graphviz=stereograd.dot .` draws (docs/architecture.md): the layers'
# libraries and the programs that link them, without external libraries, the tests and
# the aggregate stereograd_core (which link every layer), and one graph, not one per target.
set(GRAPHVIZ_EXTERNAL_LIBS FALSE)
set(GRAPHVIZ_GENERATE_PER_TARGET FALSE)
set(GRAPHVIZ_GENERATE_DEPENDERS FALSE)
set(GRAPHVIZ_IGNORE_TARGETS "^stereograd_tests$;^stereograd_core$;^stereograd_cublas_peak$;^fuzz_")
