// echo_server: a thread-per-connection TCP echo server on 127.0.0.1 --
// blocking accept, then one pthread per connection doing blocking read and
// write -- driven at several connection counts by a load generator that
// runs in a child process. Reports requests per second and the server's
// memory at each count.
//
// Why: the reason to run a server under greenshim. Natively every
// connection costs a kernel thread (a kernel stack, page tables, scheduler
// state); under greenshim a small user stack and a parked green thread.
//
// The load generator is this binary re-executed with --client and without
// LD_PRELOAD (and GREENSHIM_*), so it never runs under the shim whichever
// way the server runs. It is single-threaded on epoll: it opens C
// connections, then keeps one 64-byte request outstanding on each, checking
// every echo, for a fixed time. Per level:
//   1. memory baseline (/proc/meminfo), client started, C connections up
//      and accepted (C server threads blocked in read);
//   2. load for `duration_ms`; halfway through, the server's VmRSS
//      (/proc/self/status) and the rise of KernelStack + PageTables + Slab
//      in /proc/meminfo over the baseline. Those are system-wide (the
//      client's sockets are in Slab too, equally in both modes) and noisy;
//   3. the client reports its count of checked round trips and closes
//      every connection with a reset (SO_LINGER 0: no TIME_WAIT, so
//      repeated runs do not run out of ports); the server threads end.
//
//   echo_server [duration_ms] [connections...]   (default 2000 100 1000 10000)
//   metric echo_c<C>_throughput <req/s> req/s
//   metric echo_c<C>_server_rss <kB> kB          VmRSS under load
//   metric echo_c<C>_kernel_rise <kB> kB         KernelStack+PageTables+Slab rise
//   metric echo_c<C>_server_memory <kB> kB       the two added
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/pthread/common.h"

#define MESSAGE 64
#define READ_BUFFER 4096

extern char** environ;

// ---- Shared --------------------------------------------------------------

static void die_errno(const char* what) {
  fprintf(stderr, "echo_server: %s: %s\n", what, strerror(errno));
  exit(1);
}

// Up to the hard limit: 10,000 connections need more descriptors than the
// usual soft limit of 1,024, in the server and in the client.
static void raise_descriptor_limit(void) {
  struct rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) != 0) die_errno("getrlimit");
  files.rlim_cur = files.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &files) != 0) die_errno("setrlimit");
}

// Writes all of `data`; 0, or -1 with errno on an error.
static int write_fully(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t written = write(fd, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return -1;
    data += written;
    size -= (size_t)written;
  }
  return 0;
}

// One line from a pipe (the client and the server talk in lines).
static void read_line(int fd, char* line, size_t size) {
  size_t length = 0;
  while (length + 1 < size) {
    ssize_t got = read(fd, line + length, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      fprintf(stderr, "echo_server: the other process went away\n");
      exit(1);
    }
    if (line[length] == '\n') break;
    length++;
  }
  line[length] = '\0';
}

static void write_line(int fd, const char* line) {
  if (write_fully(fd, line, strlen(line)) != 0) die_errno("write to the other process");
}

// ---- Load generator (the --client child) -----------------------------------

struct connection {
  int fd;
  uint32_t sequence;  // of the outstanding request
  size_t received;    // bytes of its echo so far
  char request[MESSAGE];
  char response[MESSAGE];
};

static void make_request(struct connection* connection, uint32_t index) {
  for (int i = 0; i < MESSAGE; ++i) {
    connection->request[i] = (char)('a' + (index * 31 + connection->sequence * 7 + i) % 26);
  }
}

static int send_request(struct connection* connection) {
  // 64 bytes into an empty socket buffer: written whole or not at all.
  return write(connection->fd, connection->request, MESSAGE) == MESSAGE ? 0 : -1;
}

static int client_main(in_port_t port, long count, long duration_ms, int status_fd,
                       int control_fd) {
  raise_descriptor_limit();
  struct connection* connections = calloc((size_t)count, sizeof *connections);
  if (connections == NULL) die_errno("calloc");
  int epoll_fd = epoll_create1(0);
  if (epoll_fd < 0) die_errno("epoll_create1");
  struct sockaddr_in server = {
      .sin_family = AF_INET, .sin_port = port, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  for (long i = 0; i < count; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die_errno("socket");
    if (connect(fd, (struct sockaddr*)&server, sizeof server) != 0) die_errno("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct linger reset = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) die_errno("fcntl");
    struct epoll_event event = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) die_errno("epoll_ctl");
    connections[i].fd = fd;
  }
  write_line(status_fd, "connected\n");
  char line[64];
  read_line(control_fd, line, sizeof line);  // "go"

  long long start = now_ns();
  long long deadline = start + duration_ms * 1000000LL;
  for (long i = 0; i < count; ++i) {
    make_request(&connections[i], (uint32_t)i);
    if (send_request(&connections[i]) != 0) die_errno("send");
  }
  long completed = 0, mismatches = 0;
  struct epoll_event events[1024];
  while (now_ns() < deadline) {
    int ready = epoll_wait(epoll_fd, events, 1024, 100);
    if (ready < 0 && errno != EINTR) die_errno("epoll_wait");
    for (int e = 0; e < ready; ++e) {
      uint32_t index = events[e].data.u32;
      struct connection* connection = &connections[index];
      ssize_t got = read(connection->fd, connection->response + connection->received,
                         MESSAGE - connection->received);
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (got <= 0) {
        fprintf(stderr, "echo_server: client: connection %u: %s\n", index,
                got < 0 ? strerror(errno) : "closed by the server");
        exit(1);
      }
      connection->received += (size_t)got;
      if (connection->received < MESSAGE) continue;
      if (memcmp(connection->request, connection->response, MESSAGE) != 0) mismatches++;
      completed++;
      connection->received = 0;
      connection->sequence++;
      make_request(connection, index);
      if (send_request(connection) != 0) die_errno("send");
    }
  }
  double seconds = (double)(now_ns() - start) / 1e9;
  snprintf(line, sizeof line, "%ld %ld %.6f\n", completed, mismatches, seconds);
  write_line(status_fd, line);
  for (long i = 0; i < count; ++i) close(connections[i].fd);
  return 0;
}

// ---- Server ------------------------------------------------------------------

static atomic_long connections_open;

static void* serve_connection(void* fd_pointer) {
  int fd = (int)(intptr_t)fd_pointer;
  char buffer[READ_BUFFER];
  for (;;) {
    ssize_t got = read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    // 0: the client closed; ECONNRESET: it reset (as the load generator
    // does at the end).
    if (got <= 0) break;
    if (write_fully(fd, buffer, (size_t)got) != 0) break;
  }
  close(fd);
  atomic_fetch_sub(&connections_open, 1);
  return NULL;
}

static void* accept_connections(void* listener_pointer) {
  int listener = (int)(intptr_t)listener_pointer;
  pthread_attr_t detached;
  check(pthread_attr_init(&detached), "pthread_attr_init");
  check(pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED), "setdetachstate");
  for (;;) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      die_errno("accept");
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    atomic_fetch_add(&connections_open, 1);
    check(pthread_create(&(pthread_t){0}, &detached, serve_connection, (void*)(intptr_t)fd),
          "pthread_create");
  }
  return NULL;
}

// The value of `field` (in kB) in a /proc file of "Name:   value kB" lines.
static long proc_kb(const char* path, const char* field) {
  FILE* file = fopen(path, "r");
  if (file == NULL) die_errno(path);
  char line[256];
  size_t length = strlen(field);
  long value = -1;
  while (fgets(line, sizeof line, file) != NULL) {
    if (strncmp(line, field, length) == 0 && line[length] == ':') {
      value = strtol(line + length + 1, NULL, 10);
      break;
    }
  }
  fclose(file);
  if (value < 0) {
    fprintf(stderr, "echo_server: no %s in %s\n", field, path);
    exit(1);
  }
  return value;
}

// Kernel memory that threads and sockets hold, system-wide.
static long kernel_kb(void) {
  return proc_kb("/proc/meminfo", "KernelStack") + proc_kb("/proc/meminfo", "PageTables") +
         proc_kb("/proc/meminfo", "Slab");
}

static void wait_for_open_connections(long count) {
  while (atomic_load(&connections_open) != count) usleep(1000);
}

// The environment for the client: this one without LD_PRELOAD and the
// shim's settings.
static char** client_environment(void) {
  size_t count = 0;
  while (environ[count] != NULL) count++;
  char** env = calloc(count + 1, sizeof *env);
  if (env == NULL) die_errno("calloc");
  size_t kept = 0;
  for (size_t i = 0; i < count; ++i) {
    if (strncmp(environ[i], "LD_PRELOAD=", 11) == 0) continue;
    if (strncmp(environ[i], "GREENSHIM_", 10) == 0) continue;
    env[kept++] = environ[i];
  }
  return env;
}

static void run_level(in_port_t port, long count, long duration_ms) {
  int to_server[2], to_client[2];
  if (pipe(to_server) != 0 || pipe(to_client) != 0) die_errno("pipe");
  long kernel_before = kernel_kb();

  char port_text[16], count_text[24], duration_text[24], status_text[16], control_text[16];
  snprintf(port_text, sizeof port_text, "%u", (unsigned)ntohs(port));
  snprintf(count_text, sizeof count_text, "%ld", count);
  snprintf(duration_text, sizeof duration_text, "%ld", duration_ms);
  snprintf(status_text, sizeof status_text, "%d", to_server[1]);
  snprintf(control_text, sizeof control_text, "%d", to_client[0]);
  char* argv[] = {"/proc/self/exe", "--client",  port_text,    count_text,
                  duration_text,    status_text, control_text, NULL};
  char** env = client_environment();
  // The client keeps only its own ends, so each side sees the other go.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addclose(&actions, to_server[0]);
  posix_spawn_file_actions_addclose(&actions, to_client[1]);
  pid_t client;
  int error = posix_spawn(&client, "/proc/self/exe", &actions, NULL, argv, env);
  posix_spawn_file_actions_destroy(&actions);
  free(env);
  if (error != 0) {
    errno = error;
    die_errno("posix_spawn of the client");
  }
  close(to_server[1]);
  close(to_client[0]);

  char line[128];
  long long setup_start = now_ns();
  read_line(to_server[0], line, sizeof line);  // "connected"
  wait_for_open_connections(count);
  fprintf(stderr, "echo_server: %ld connections up in %.2f s\n", count,
          (double)(now_ns() - setup_start) / 1e9);

  write_line(to_client[1], "go\n");
  usleep((useconds_t)(duration_ms * 1000 / 2));
  long rss = proc_kb("/proc/self/status", "VmRSS");
  // System-wide, so other activity can push it below the baseline: a
  // negative rise is noise, reported as 0.
  long kernel_rise = kernel_kb() - kernel_before;
  if (kernel_rise < 0) kernel_rise = 0;
  read_line(to_server[0], line, sizeof line);  // "<completed> <mismatches> <seconds>"
  long completed = 0, mismatches = 0;
  double seconds = 0;
  if (sscanf(line, "%ld %ld %lf", &completed, &mismatches, &seconds) != 3 || seconds <= 0) {
    fprintf(stderr, "echo_server: client sent '%s'\n", line);
    exit(1);
  }
  if (mismatches != 0) {
    fprintf(stderr, "echo_server: %ld echoes differed from their requests\n", mismatches);
    exit(1);
  }
  int status;
  if (waitpid(client, &status, 0) != client) die_errno("waitpid");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "echo_server: the client failed (status 0x%x)\n", status);
    exit(1);
  }
  wait_for_open_connections(0);
  close(to_server[0]);
  close(to_client[1]);

  char name[64];
  snprintf(name, sizeof name, "echo_c%ld_throughput", count);
  metric(name, (double)completed / seconds, "req/s");
  snprintf(name, sizeof name, "echo_c%ld_server_rss", count);
  metric_count(name, rss, "kB");
  snprintf(name, sizeof name, "echo_c%ld_kernel_rise", count);
  metric_count(name, kernel_rise, "kB");
  snprintf(name, sizeof name, "echo_c%ld_server_memory", count);
  metric_count(name, rss + kernel_rise, "kB");
  fflush(stdout);
}

int main(int argc, char** argv) {
  if (argc == 7 && strcmp(argv[1], "--client") == 0) {
    return client_main(htons((in_port_t)atoi(argv[2])), atol(argv[3]), atol(argv[4]), atoi(argv[5]),
                       atoi(argv[6]));
  }
  long duration_ms = arg_count(argc, argv, 1, 2000);
  long default_levels[] = {100, 1000, 10000};
  long levels[16];
  int level_count = 0;
  for (int i = 2; i < argc && level_count < 16; ++i) {
    levels[level_count++] = arg_count(argc, argv, i, 0);
  }
  if (level_count == 0) {
    memcpy(levels, default_levels, sizeof default_levels);
    level_count = 3;
  }

  raise_descriptor_limit();
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) die_errno("socket");
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t length = sizeof address;
  if (bind(listener, (struct sockaddr*)&address, sizeof address) != 0 ||
      listen(listener, 65535) != 0 ||
      getsockname(listener, (struct sockaddr*)&address, &length) != 0) {
    die_errno("listening socket");
  }
  pthread_t acceptor;
  check(pthread_create(&acceptor, NULL, accept_connections, (void*)(intptr_t)listener),
        "pthread_create");
  for (int i = 0; i < level_count; ++i) run_level(address.sin_port, levels[i], duration_ms);
  // The acceptor stays blocked in accept; returning from main ends it.
  return 0;
}
