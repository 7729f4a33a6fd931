include(GoogleTest)

# The test binaries marked CONCURRENT: what the ThreadSanitizer preset builds and runs (label
# `concurrency`).
add_custom_target(concurrency_tests)

# cosmic_add_test(NAME <name> LABEL <unit|integration|e2e> SOURCES ... LIBS ... [TIMEOUT s] [CONCURRENT])
# One GoogleTest binary; each test case becomes a ctest test carrying the label. CONCURRENT marks a
# binary whose code under test runs on several threads (consumer runners, HTTP workers, timers):
# its tests also carry the label `concurrency`, which the `tsan` preset runs.
function(cosmic_add_test)
    cmake_parse_arguments(T "CONCURRENT" "NAME;LABEL;TIMEOUT" "SOURCES;LIBS;PROPERTIES" ${ARGN})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 120)
    endif()
    # ThreadSanitizer makes the code a few times slower; the limits stay a guard against hangs.
    if(COSMIC_TSAN)
        math(EXPR T_TIMEOUT "${T_TIMEOUT} * 2")
    endif()
    add_executable(${T_NAME} ${T_SOURCES})
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gmock GTest::gtest_main cosmic_options)
    gtest_discover_tests(${T_NAME}
        TEST_PREFIX "${T_NAME}."
        DISCOVERY_TIMEOUT 60
        PROPERTIES LABELS ${T_LABEL} TIMEOUT ${T_TIMEOUT} ${T_PROPERTIES})
    if(T_CONCURRENT)
        add_dependencies(concurrency_tests ${T_NAME})
        # A second label cannot pass through gtest_discover_tests' PROPERTIES (the list is split),
        # so ctest relabels the discovered tests (${T_NAME}_TESTS) after loading them.
        set(relabel "${CMAKE_CURRENT_BINARY_DIR}/${T_NAME}_labels.cmake")
        file(WRITE "${relabel}" "foreach(test IN LISTS ${T_NAME}_TESTS)\n"
                                "    set_tests_properties(\"\${test}\" PROPERTIES LABELS \"${T_LABEL};concurrency\")\n"
                                "endforeach()\n")
        set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${relabel}")
    endif()
endfunction()
