// Loaded with dlopen by dlopen_tls: __thread variables in the default model
// for a shared library (general dynamic: found through __tls_get_addr and
// the thread's DTV, allocated for each thread on first use).
static __thread long value = 7;
static __thread char scratch[4096];

long dynamic_tls_add(long amount) {
  scratch[amount % sizeof scratch] = 1;
  value += amount;
  return value;
}

long* dynamic_tls_address(void) { return &value; }
