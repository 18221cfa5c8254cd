// See thread_block.h.
#include "shim/thread_block.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/log.h"
#include "runtime/raw_syscall.h"
#include "runtime/runtime.h"
#include "runtime/spin_lock.h"
#include "runtime/task_tls.h"
#include "runtime/thread_pointer.h"
#include "shim/setxid_signal.h"

extern "C" void* __tls_get_addr(void* module_and_offset);

namespace greenshim::shim {
namespace {

// What libthread_db is told about a field of struct pthread: its size in
// bits, its element count and its offset (glibc's nptl_db/structs.def).
struct FieldDescriptor {
  uint32_t bits;
  uint32_t count;
  uint32_t offset;
};

// Offsets in the TCB header (tcbhead_t), fixed by the x86-64 TLS ABI.
constexpr size_t kHeaderTcbOffset = 0;
constexpr size_t kHeaderSelfOffset = 16;
// glibc 2.36 reads SINGLE_THREAD_P here (malloc, for one, then skips its
// arena locks). pthread_create sets it in the creating thread and the new
// one; blocks made from a template taken before any thread existed must say
// so themselves.
constexpr size_t kHeaderMultipleThreadsOffset = 24;
// RSEQ_CPU_ID_REGISTRATION_FAILED: sched_getcpu() then asks the vDSO.
constexpr int32_t kRseqCpuIdUnregistered = -2;
constexpr size_t kRseqCpuIdOffset = 4;  // struct rseq: cpu_id_start, cpu_id

struct GlibcLayout {
  void* (*allocate_tls)(void* tcb);
  void (*deallocate_tls)(void* tcb, bool free_tcb);
  void (*call_tls_dtors)();
  // Sets the thread's ctype table pointers (what isalpha, tolower and
  // printf's %f read) from its locale; glibc's start_thread calls it.
  void (*ctype_init)();
  size_t static_size;  // static TLS and the TCB, as glibc sizes a thread's
  size_t static_align;
  size_t tcb_size;       // sizeof(struct pthread)
  size_t tls_below_tcb;  // bytes from the block's start to the TCB
  uint32_t tid_offset;
  uint32_t list_offset;
  // stackblock_size, from which glibc's __libc_alloca_cutoff lets functions
  // such as qsort and printf alloca up to a quarter of the stack. No
  // debugger descriptor names it: it is the one word of the main thread's
  // struct pthread that holds __libc_stack_end (glibc puts it there), or
  // 0 if that is not exactly one word, and then the main thread's value stays.
  uint32_t stack_size_offset;
  ptrdiff_t rseq_offset;  // from the thread pointer; 0: rseq not in use
  // libc's own static TLS, kept when a pooled block is reused (see
  // create_block) and errno within it.
  ptrdiff_t libc_tls_offset;  // below the thread pointer
  size_t libc_tls_size;
  ptrdiff_t errno_offset;
};

// More than glibc 2.36's libc uses (a few hundred bytes); checked at start.
constexpr size_t kMaxLibcTls = 2048;

GlibcLayout g_layout;
char* g_template;  // the main thread's struct pthread, copied at start

SpinLock g_pool_lock;
void* g_pool_head = nullptr;  // free blocks, linked through their first word

// Modules whose static TLS every block already has: by module id, the
// address the module was loaded at, plus one (0: none; a module id is
// reused after dlclose). A plain array: this is set up by the shim's
// start-up constructor, which may run before the dynamic initializers of
// globals such as a std::vector.
constexpr size_t kMaxModules = 4096;
SpinLock g_modules_lock;
uintptr_t g_known_modules[kMaxModules];

// Set on the worker's block while fork runs on it: the block to go back to.
// Read and written only through the two functions below, which the
// compiler may not inline: it assumes %fs never changes within a function
// and would otherwise reuse an address computed on the other block.
thread_local void* t_block_before_fork = nullptr;
__attribute__((noipa)) void remember_block_before_fork(void* block) { t_block_before_fork = block; }
__attribute__((noipa)) void* take_block_before_fork() {
  void* block = t_block_before_fork;
  t_block_before_fork = nullptr;
  return block;
}

template <typename Pointer>
bool find_private(Pointer* out, const char* name) {
  *out = reinterpret_cast<Pointer>(dlvsym(RTLD_DEFAULT, name, "GLIBC_PRIVATE"));
  return *out != nullptr;
}

char* block_start(void* thread_pointer) {
  return static_cast<char*>(thread_pointer) - g_layout.tls_below_tcb;
}

// A word of a block by its offset from the thread pointer: errno is
// reached this way around a switch of %fs, for the reason above.
template <typename Word>
Word& word_at(void* thread_pointer, ptrdiff_t offset) {
  return *reinterpret_cast<Word*>(static_cast<char*>(thread_pointer) + offset);
}

// A module's static TLS block, as the calling thread sees it; nullptr when
// the module's TLS is dynamic.
char* static_tls_of(size_t module_id) {
  uintptr_t request[2] = {module_id, 0};
  auto* address = static_cast<char*>(__tls_get_addr(request));
  auto* thread_pointer = static_cast<char*>(current_thread_pointer());
  size_t static_tls = g_layout.static_size - g_layout.tcb_size;
  return address < thread_pointer && address >= thread_pointer - static_tls ? address : nullptr;
}

struct Module {
  size_t id;
  uintptr_t load_address;
  const char* image;  // .tdata
  size_t image_size;
  size_t memory_size;  // .tdata and .tbss
};

int collect_module(dl_phdr_info* info, size_t, void* raw_modules) {
  if (info->dlpi_tls_modid == 0) return 0;
  for (int index = 0; index < info->dlpi_phnum; ++index) {
    const ElfW(Phdr)& header = info->dlpi_phdr[index];
    if (header.p_type != PT_TLS) continue;
    static_cast<std::vector<Module>*>(raw_modules)
        ->push_back(Module{info->dlpi_tls_modid, info->dlpi_addr,
                           reinterpret_cast<const char*>(info->dlpi_addr + header.p_vaddr),
                           header.p_filesz, header.p_memsz});
  }
  return 0;
}

std::vector<Module> modules_with_tls() {
  std::vector<Module> modules;
  dl_iterate_phdr(collect_module, &modules);
  return modules;
}

// Modules not seen before, now marked seen.
std::vector<Module> take_new_modules() {
  std::vector<Module> fresh;
  std::vector<Module> modules = modules_with_tls();
  SpinLockGuard guard(g_modules_lock);
  for (const Module& module : modules) {
    // Past the table (thousands of TLS modules) a module is left as glibc
    // leaves it: initializing it twice would wipe the tasks' values.
    if (module.id >= kMaxModules || g_known_modules[module.id] == module.load_address + 1) continue;
    g_known_modules[module.id] = module.load_address + 1;
    fresh.push_back(module);
  }
  return fresh;
}

// Finds libc's static TLS (the module holding errno) and errno in it.
bool find_libc_tls() {
  auto* thread_pointer = static_cast<char*>(current_thread_pointer());
  auto* errno_address = reinterpret_cast<char*>(__errno_location());
  for (const Module& module : modules_with_tls()) {
    char* tls = static_tls_of(module.id);
    if (tls == nullptr || errno_address < tls || errno_address >= tls + module.memory_size)
      continue;
    g_layout.libc_tls_offset = thread_pointer - tls;
    g_layout.libc_tls_size = module.memory_size;
    g_layout.errno_offset = errno_address - thread_pointer;
    return true;
  }
  return false;
}

void* new_block_memory(bool* recycled) {
  {
    SpinLockGuard guard(g_pool_lock);
    if (void* block = g_pool_head) {
      g_pool_head = *static_cast<void**>(block);
      *recycled = true;
      return block;
    }
  }
  *recycled = false;
  void* block = nullptr;
  if (posix_memalign(&block, g_layout.static_align, g_layout.tls_below_tcb + g_layout.tcb_size) !=
      0)
    return nullptr;
  // A fresh block has no libc state to keep: make it the initial image's.
  memset(block, 0, g_layout.tls_below_tcb);
  return block;
}

// A block as glibc would set up a new thread's. A recycled block keeps
// libc's own TLS from the task that used it last: glibc frees a thread's
// malloc cache (tcache) and arena link at thread exit with a function it
// does not export, so a fresh libc image would leak them; kept, the next
// task reuses them, and the pool bounds them. What a new thread must not
// inherit was reset when the last one exited (run_exit_destructors); errno
// is cleared here.
void* create_block(size_t stack_size) {
  bool recycled;
  char* block = static_cast<char*>(new_block_memory(&recycled));
  if (block == nullptr) return nullptr;
  char* tcb = block + g_layout.tls_below_tcb;
  char libc_tls[kMaxLibcTls];
  if (recycled) memcpy(libc_tls, tcb - g_layout.libc_tls_offset, g_layout.libc_tls_size);
  memcpy(tcb, g_template, g_layout.tcb_size);
  word_at<void*>(tcb, kHeaderTcbOffset) = tcb;
  word_at<void*>(tcb, kHeaderSelfOffset) = tcb;
  word_at<int>(tcb, kHeaderMultipleThreadsOffset) = 1;
  void** list = &word_at<void*>(tcb, g_layout.list_offset);
  list[0] = list;
  list[1] = list;
  word_at<int>(tcb, g_layout.tid_offset) = 0;
  if (g_layout.stack_size_offset != 0)
    word_at<size_t>(tcb, g_layout.stack_size_offset) = stack_size;
  if (g_layout.rseq_offset != 0)
    word_at<int32_t>(tcb, g_layout.rseq_offset + kRseqCpuIdOffset) = kRseqCpuIdUnregistered;
  if (g_layout.allocate_tls(tcb) == nullptr) {
    free(block);
    return nullptr;
  }
  if (recycled) {
    memcpy(tcb - g_layout.libc_tls_offset, libc_tls, g_layout.libc_tls_size);
    word_at<int>(tcb, g_layout.errno_offset) = 0;
  }
  return tcb;
}

void destroy_block(void* thread_pointer) {
  g_layout.deallocate_tls(thread_pointer, false);
  void* block = block_start(thread_pointer);
  SpinLockGuard guard(g_pool_lock);
  *static_cast<void**>(block) = g_pool_head;
  g_pool_head = block;
}

void start_on_task() { g_layout.ctype_init(); }

// On the exiting task. Then what a task that gets this block next must not
// inherit from libc's TLS: its locale and a pending dlerror message.
void run_exit_destructors() {
  g_layout.call_tls_dtors();
  uselocale(LC_GLOBAL_LOCALE);
  dlerror();
}

// Registered before the runtime's own fork handlers, so this prepare handler
// runs last, and the parent and child handlers first.
void switch_to_worker_block_for_fork() {
  if (current_task() == nullptr) return;
  void* own = current_thread_pointer();
  void* worker_block = current_worker_thread_block();
  if (worker_block == nullptr || worker_block == own) return;
  // A failing fork sets errno on the block it runs on; the task's value
  // goes there and comes back, changed or not.
  word_at<int>(worker_block, g_layout.errno_offset) = word_at<int>(own, g_layout.errno_offset);
  set_thread_pointer(worker_block);
  remember_block_before_fork(own);
}

void switch_back_after_fork(bool in_child) {
  void* own = take_block_before_fork();
  if (own == nullptr) return;
  void* worker_block = current_thread_pointer();
  set_thread_pointer(own);
  word_at<int>(own, g_layout.errno_offset) = word_at<int>(worker_block, g_layout.errno_offset);
  if (in_child) {
    // The child's glibc lists the block fork ran on as its only thread,
    // and the kernel thread is new: the task's block takes its id.
    set_current_kernel_thread_block(worker_block);
    word_at<int>(own, g_layout.tid_offset) = raw::gettid();
  }
}

struct StaticTlsImage {
  const Module* module;
  ptrdiff_t below_thread_pointer;
};

void copy_static_tls_image(Task* task, void* raw_image) {
  if (task->thread_block == nullptr) return;  // the main thread's: glibc did it
  auto* image = static_cast<StaticTlsImage*>(raw_image);
  char* destination = static_cast<char*>(task->thread_block) - image->below_thread_pointer;
  memcpy(destination, image->module->image, image->module->image_size);
  memset(destination + image->module->image_size, 0,
         image->module->memory_size - image->module->image_size);
}

uint32_t find_stack_size_offset(size_t tcb_size) {
  auto* stack_end = static_cast<void* const*>(dlsym(RTLD_DEFAULT, "__libc_stack_end"));
  if (stack_end == nullptr) return 0;
  auto* words = static_cast<void* const*>(current_thread_pointer());
  uint32_t found = 0;
  int matches = 0;
  for (size_t index = 1; index < tcb_size / sizeof(void*); ++index) {
    if (words[index] != *stack_end) continue;
    found = static_cast<uint32_t>(index * sizeof(void*));
    ++matches;
  }
  return matches == 1 ? found : 0;
}

bool read_layout() {
  void (*static_info)(size_t*, size_t*) = nullptr;
  const uint32_t* sizeof_pthread = nullptr;
  const FieldDescriptor* tid = nullptr;
  const FieldDescriptor* list = nullptr;
  if (!find_private(&g_layout.allocate_tls, "_dl_allocate_tls") ||
      !find_private(&g_layout.deallocate_tls, "_dl_deallocate_tls") ||
      !find_private(&static_info, "_dl_get_tls_static_info") ||
      !find_private(&g_layout.call_tls_dtors, "__call_tls_dtors") ||
      !find_private(&g_layout.ctype_init, "__ctype_init") ||
      !find_private(&sizeof_pthread, "_thread_db_sizeof_pthread") ||
      !find_private(&tid, "_thread_db_pthread_tid") ||
      !find_private(&list, "_thread_db_pthread_list"))
    return false;
  static_info(&g_layout.static_size, &g_layout.static_align);
  g_layout.tcb_size = *sizeof_pthread;
  if (g_layout.static_align < alignof(max_align_t)) g_layout.static_align = alignof(max_align_t);
  size_t tls = g_layout.static_size - g_layout.tcb_size;
  g_layout.tls_below_tcb = (tls + g_layout.static_align - 1) & ~(g_layout.static_align - 1);
  g_layout.tid_offset = tid->offset;
  g_layout.list_offset = list->offset;
  g_layout.stack_size_offset = find_stack_size_offset(g_layout.tcb_size);
  auto* rseq_size = static_cast<const unsigned*>(dlsym(RTLD_DEFAULT, "__rseq_size"));
  auto* rseq_offset = static_cast<const ptrdiff_t*>(dlsym(RTLD_DEFAULT, "__rseq_offset"));
  if (rseq_size != nullptr && rseq_offset != nullptr && *rseq_size != 0)
    g_layout.rseq_offset = *rseq_offset;
  return g_layout.static_size > g_layout.tcb_size && find_libc_tls() &&
         g_layout.libc_tls_size <= kMaxLibcTls;
}

}  // namespace

bool use_thread_blocks_per_task() {
  if (!read_layout()) {
    warn(
        "this C library does not show greenshim its thread layout; green threads share their "
        "worker's thread-local storage (as with GREENSHIM_TLS=worker)");
    return false;
  }
  g_template = static_cast<char*>(malloc(g_layout.tcb_size));
  if (g_template == nullptr) return false;
  memcpy(g_template, current_thread_pointer(), g_layout.tcb_size);
  word_at<int>(current_thread_pointer(), kHeaderMultipleThreadsOffset) = 1;  // the main task's
  take_new_modules();  // every block gets these from _dl_allocate_tls
  pthread_atfork(
      switch_to_worker_block_for_fork, [] { switch_back_after_fork(false); },
      [] { switch_back_after_fork(true); });
  ThreadBlockSupplier supplier;
  supplier.create = create_block;
  supplier.destroy = destroy_block;
  supplier.start_on_task = start_on_task;
  supplier.run_exit_destructors = run_exit_destructors;
  supplier.kernel_tid_offset = g_layout.tid_offset;
  use_task_thread_blocks(supplier);
  wrap_setxid_signal_handler();
  return true;
}

void initialize_static_tls_of_new_modules() {
  if (!task_thread_blocks_in_use()) return;
  std::vector<Module> fresh = take_new_modules();
  for (const Module& module : fresh) {
    char* tls = static_tls_of(module.id);
    if (tls == nullptr) continue;  // dynamic: each block allocates it on first use
    ptrdiff_t below = static_cast<char*>(current_thread_pointer()) - tls;
    StaticTlsImage image{&module, below};
    for_each_live_task(copy_static_tls_image, &image);
  }
}

}  // namespace greenshim::shim
