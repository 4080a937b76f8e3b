#ifndef C_FUZZ_DRIVER_H
#define C_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry for programs that bring their own main (LLVM 13 and later). SwiftPM names an
// executable's entry point <Target>_main and aliases main to it, so each fuzz target defines that
// function and hands its callback to libFuzzer here instead of relying on libFuzzer's own main.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
