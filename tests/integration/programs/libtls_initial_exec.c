// Loaded with dlopen by dlopen_tls after threads exist: initial-exec
// __thread variables live in the static TLS block, at a fixed offset from
// the thread pointer, so the loader must initialize them in every thread
// that already exists.
__attribute__((tls_model("initial-exec"))) static __thread long value = 4242;
__attribute__((tls_model("initial-exec"))) static __thread long zeroed;

long initial_exec_tls_add(long amount) {
  value += amount;
  zeroed += amount;
  return value;
}

long initial_exec_tls_zeroed(void) { return zeroed; }
