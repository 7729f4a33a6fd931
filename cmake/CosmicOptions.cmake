# Warnings and sanitizers for the project's own targets (not for dependencies).
add_library(cosmic_options INTERFACE)
target_compile_options(cosmic_options INTERFACE -Wall -Wextra -Wpedantic)
if(COSMIC_WERROR)
    target_compile_options(cosmic_options INTERFACE -Werror)
endif()
if(COSMIC_SANITIZE)
    target_compile_options(cosmic_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                    -fno-sanitize-recover=undefined)
    target_link_options(cosmic_options INTERFACE -fsanitize=address,undefined)
endif()
# ThreadSanitizer builds (preset `tsan`): the project's objects are instrumented; librdkafka, civetweb
# and the other Debian libraries are not, so TSan sees their lock calls but neither their atomics nor
# their own memory accesses. The test preset sets TSAN_OPTIONS=ignore_noninstrumented_modules=1:
# what those libraries do inside themselves (librdkafka orders its objects' lifetimes with atomics)
# is not reported, while our code, including callbacks they call, is checked and their locks
# still order it.
if(COSMIC_TSAN)
    if(COSMIC_SANITIZE OR COSMIC_FUZZ)
        message(FATAL_ERROR "COSMIC_TSAN cannot be combined with COSMIC_SANITIZE or COSMIC_FUZZ")
    endif()
    target_compile_options(cosmic_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(cosmic_options INTERFACE -fsanitize=thread)
    # librdkafka's C11 threads and locks, made visible to TSan (see the file). Every executable that
    # links cosmic_options directly (tests, services, tools) carries its own copy.
    target_sources(cosmic_options INTERFACE
        "$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:${CMAKE_CURRENT_LIST_DIR}/tsan_c11_threads.c>")
endif()
# libFuzzer builds (preset `fuzz`, clang): every project object instrumented for coverage and
# checked by ASan + UBSan; tests/fuzz links the fuzzing engine into its targets.
if(COSMIC_FUZZ)
    target_compile_options(cosmic_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                                    -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(cosmic_options INTERFACE -fsanitize=address,undefined)
endif()
# The version and commit are compiled into one file (libs/service/src/version.cpp), so a new
# commit recompiles that file only and every other object stays in the compiler cache.
