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
# libFuzzer builds (preset `fuzz`, clang): every project object instrumented for coverage and
# checked by ASan + UBSan; tests/fuzz links the fuzzing engine into its targets.
if(COSMIC_FUZZ)
    target_compile_options(cosmic_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                                    -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(cosmic_options INTERFACE -fsanitize=address,undefined)
endif()
# The version and commit are compiled into one file (libs/service/src/version.cpp), so a new
# commit recompiles that file only and every other object stays in the compiler cache.
