// memcached_load: a load generator for memcached's text protocol, used by
// scripts/memcached_bench.sh. Single-threaded on epoll, so it measures the
// server, and never preloaded (the script starts it without LD_PRELOAD).
//
// It opens C connections, stores K keys (key:<n>, a value of V bytes that
// is a function of n), then for a fixed time keeps one request outstanding
// per connection: 9 gets for every set, keys in a per-connection
// pseudo-random order. Sets rewrite a key's own value, so every response is
// known in advance and checked byte for byte: "STORED" for a set, the value
// block and "END" for a get. Any other response is an error.
//
//   memcached_load PORT [connections] [seconds] [keys] [value_bytes]
//                       (defaults 64 5 10000 100)
//   stdout: metric memcached_ops <ops/s> ops/s
//   exit status 1 at the first wrong response or failed connection.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_VALUE 65536

struct connection {
  int fd;
  uint64_t random_state;
  char* expected;  // the response the outstanding request must get
  size_t expected_length;
  size_t received;
  char* response;
};

static long value_bytes;

static void die(const char* what) {
  fprintf(stderr, "memcached_load: %s: %s\n", what, strerror(errno));
  exit(1);
}

static long argument(int argc, char** argv, int index, long fallback) {
  if (index >= argc) return fallback;
  char* end;
  long value = strtol(argv[index], &end, 10);
  if (*end != '\0' || value <= 0) {
    fprintf(stderr, "memcached_load: argument %d must be a positive integer\n", index);
    exit(2);
  }
  return value;
}

static long long now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

// The value stored under key number `key`.
static void fill_value(char* value, long key) {
  for (long i = 0; i < value_bytes; i++) value[i] = (char)('A' + (key * 7 + i * 13) % 58);
}

// Sends a set or a get of `key` and records the response it must get.
static void send_request(struct connection* connection, long key, int is_set) {
  static char request[MAX_VALUE + 128], value[MAX_VALUE];
  fill_value(value, key);
  size_t length;
  if (is_set) {
    length = (size_t)sprintf(request, "set key:%ld 0 0 %ld\r\n", key, value_bytes);
    memcpy(request + length, value, (size_t)value_bytes);
    length += (size_t)value_bytes;
    memcpy(request + length, "\r\n", 2);
    length += 2;
    connection->expected_length = (size_t)sprintf(connection->expected, "STORED\r\n");
  } else {
    length = (size_t)sprintf(request, "get key:%ld\r\n", key);
    size_t header =
        (size_t)sprintf(connection->expected, "VALUE key:%ld 0 %ld\r\n", key, value_bytes);
    memcpy(connection->expected + header, value, (size_t)value_bytes);
    memcpy(connection->expected + header + value_bytes, "\r\nEND\r\n", 7);
    connection->expected_length = header + (size_t)value_bytes + 7;
  }
  connection->received = 0;
  // Requests are small and one is outstanding per connection, so the
  // socket buffer always has room; a short write would be a failure.
  if (write(connection->fd, request, length) != (ssize_t)length) die("write");
}

static uint64_t next_random(uint64_t* state) {
  *state = *state * 6364136223846793005ull + 1442695040888963407ull;
  return *state >> 33;
}

// Reads what is there; returns 1 when the response is complete, 0 when
// more is due, -1 when it differs from the expected one.
static int receive(struct connection* connection) {
  size_t room = connection->expected_length - connection->received;
  ssize_t got = read(connection->fd, connection->response + connection->received, room + 1);
  if (got < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
  if (got < 0) die("read");
  if (got == 0) {
    fprintf(stderr, "memcached_load: the server closed a connection\n");
    exit(1);
  }
  if ((size_t)got > room) return -1;  // more than the whole expected response
  connection->received += (size_t)got;
  if (memcmp(connection->response, connection->expected, connection->received) != 0) return -1;
  return connection->received == connection->expected_length;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: memcached_load PORT [connections] [seconds] [keys] [value_bytes]\n");
    return 2;
  }
  long port = argument(argc, argv, 1, 0);
  long count = argument(argc, argv, 2, 64);
  long seconds = argument(argc, argv, 3, 5);
  long keys = argument(argc, argv, 4, 10000);
  value_bytes = argument(argc, argv, 5, 100);
  if (value_bytes > MAX_VALUE) value_bytes = MAX_VALUE;

  struct sockaddr_in server = {.sin_family = AF_INET,
                               .sin_port = htons((in_port_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int epoll_fd = epoll_create1(0);
  if (epoll_fd < 0) die("epoll_create1");
  struct connection* connections = calloc((size_t)count, sizeof *connections);
  if (connections == NULL) die("calloc");
  for (long i = 0; i < count; i++) {
    struct connection* connection = &connections[i];
    connection->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connection->fd < 0) die("socket");
    if (connect(connection->fd, (struct sockaddr*)&server, sizeof server) != 0) die("connect");
    int one = 1;
    setsockopt(connection->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fcntl(connection->fd, F_SETFL, O_NONBLOCK) != 0) die("fcntl");
    struct epoll_event event = {.events = EPOLLIN, .data.u64 = (uint64_t)i};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, connection->fd, &event) != 0) die("epoll_ctl");
    connection->random_state = (uint64_t)i * 0x9E3779B97F4A7C15ull + 1;
    connection->expected = malloc(MAX_VALUE + 128);
    connection->response = malloc(MAX_VALUE + 128);
    if (connection->expected == NULL || connection->response == NULL) die("malloc");
  }

  // Fill: every key stored once, connections taking turns, then the timed
  // mix. `next_key` drives the fill; afterwards keys are random.
  long next_key = 0, completed = 0;
  long long start = 0, deadline = 0;
  int measuring = 0;
  for (long i = 0; i < count && next_key < keys; i++) send_request(&connections[i], next_key++, 1);
  struct epoll_event events[256];
  for (;;) {
    if (!measuring && next_key >= keys) {
      // Wait until the fill's last sets are answered before timing.
      int idle = 1;
      for (long i = 0; i < count; i++) idle &= connections[i].expected_length == 0;
      if (idle) {
        measuring = 1;
        start = now_ns();
        deadline = start + seconds * 1000000000LL;
        for (long i = 0; i < count; i++) {
          uint64_t r = next_random(&connections[i].random_state);
          send_request(&connections[i], (long)(r % (uint64_t)keys), r % 10 == 0);
        }
      }
    }
    if (measuring && now_ns() >= deadline) break;
    int ready = epoll_wait(epoll_fd, events, 256, 100);
    if (ready < 0 && errno != EINTR) die("epoll_wait");
    for (int e = 0; e < ready; e++) {
      struct connection* connection = &connections[events[e].data.u64];
      if (connection->expected_length == 0) continue;
      int done = receive(connection);
      if (done == 0) continue;
      if (done < 0) {
        fprintf(stderr, "memcached_load: unexpected response: %.*s\n",
                (int)(connection->received < 200 ? connection->received : 200),
                connection->response);
        exit(1);
      }
      connection->expected_length = 0;
      if (!measuring) {
        if (next_key < keys) send_request(connection, next_key++, 1);
        continue;
      }
      completed++;
      uint64_t r = next_random(&connection->random_state);
      send_request(connection, (long)(r % (uint64_t)keys), r % 10 == 0);
    }
  }
  double elapsed = (double)(now_ns() - start) / 1e9;
  printf("metric memcached_ops %.1f ops/s\n", (double)completed / elapsed);
  return 0;
}
