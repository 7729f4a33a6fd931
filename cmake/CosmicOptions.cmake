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
target_compile_definitions(cosmic_options INTERFACE
    COSMIC_VERSION="${PROJECT_VERSION}" COSMIC_GIT_COMMIT="${COSMIC_GIT_COMMIT}")
