// A library whose constructor computes for a while (tens of ms): loaded by
// dlopen_constructor, it runs inside ld.so's loader lock, which belongs to
// the kernel thread, so greenshim must not switch a green thread out there.
static volatile unsigned long constructed_value;

__attribute__((constructor)) static void compute_at_load(void) {
  unsigned long value = 1;
  for (unsigned long i = 0; i < 30000000; ++i) value = value * 6364136223846793005ul + i;
  constructed_value = value;
}

unsigned long slow_constructor_value(void) { return constructed_value; }
