"""Tests that run programs with libgreenshim.so preloaded cannot run under a
sanitizer: the programs are built with the global --copt flags, so under
--config=asan/tsan they are instrumented, and a sanitized program cannot
take an LD_PRELOAD library ahead of its sanitizer runtime. Such tests set
target_compatible_with = NOT_UNDER_SANITIZERS and are skipped there."""

NOT_UNDER_SANITIZERS = select({
    "//tests:asan": ["@platforms//:incompatible"],
    "//tests:tsan": ["@platforms//:incompatible"],
    "//conditions:default": [],
})
