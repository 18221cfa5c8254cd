// The runtime's only voice: one `greenshim:` line on stderr. Diagnostics of
// the runtime itself are printed only when GREENSHIM_DEBUG is set (so the
// program's own output is never mixed with ours unless asked); warnings
// about the user's own settings are always printed, once.
#pragma once

namespace greenshim {

void set_debug_logging(bool enabled);
bool debug_logging();

// printf-style; writes one line with write(2), no allocation, safe anywhere.
void warn(const char* format, ...) __attribute__((format(printf, 1, 2)));
void debug_log(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace greenshim
