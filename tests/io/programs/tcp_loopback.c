// Checks: TCP on 127.0.0.1 with a thread per connection. An accept blocked
// before any client connects returns the client, with the client's address
// and port; accept4(SOCK_NONBLOCK | SOCK_CLOEXEC) sets both flags. 16
// client threads connect and each makes 200 request/response round trips
// of varying sizes through an echo thread per connection (read/write on
// the server side); the clients use send/recv, sendto/recvfrom with no
// address, or sendmsg/recvmsg with three iovecs, by turns. A client that
// shuts down writing makes its echo thread read 0 and close, and the
// client then reads 0.
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/uio.h>

#include "tests/io/programs/io_checks.h"

#define CLIENTS 16
#define ROUND_TRIPS 200
#define MAX_REQUEST 5000

static in_port_t port;
static int listener;

// Echoes until the client shuts down writing, then closes.
static void* echo_connection(void* fd_pointer) {
  int fd = (int)(intptr_t)fd_pointer;
  char buffer[MAX_REQUEST];
  ssize_t got;
  while ((got = read(fd, buffer, sizeof buffer)) > 0) write_all(fd, buffer, (size_t)got);
  if (got < 0) die("echo read: %s", name_of(errno));
  close(fd);
  return NULL;
}

static void* accept_clients(void* unused) {
  (void)unused;
  pthread_t echoes[CLIENTS];
  for (int i = 0; i < CLIENTS; ++i) {
    int fd = (int)must(accept(listener, NULL, NULL), "accept");
    echoes[i] = start_thread(echo_connection, (void*)(intptr_t)fd);
  }
  for (int i = 0; i < CLIENTS; ++i) join_thread(echoes[i]);
  return NULL;
}

enum style { SEND_RECV, SENDTO_RECVFROM, SENDMSG_RECVMSG };

static void send_request(int fd, const char* data, size_t size, enum style style) {
  ssize_t sent;
  if (style == SEND_RECV) {
    sent = send(fd, data, size, 0);
  } else if (style == SENDTO_RECVFROM) {
    sent = sendto(fd, data, size, 0, NULL, 0);
  } else {
    size_t third = size / 3;
    struct iovec pieces[3] = {{(void*)data, third},
                              {(void*)(data + third), third},
                              {(void*)(data + 2 * third), size - 2 * third}};
    struct msghdr message = {.msg_iov = pieces, .msg_iovlen = 3};
    sent = sendmsg(fd, &message, 0);
  }
  // Requests are small enough for the socket buffer, so a blocking send
  // writes them whole.
  if (sent != (ssize_t)size) die("send of %zu bytes returned %zd", size, sent);
}

// Receives exactly `size` bytes, in whatever pieces they come.
static void receive_response(int fd, char* data, size_t size, enum style style) {
  while (size > 0) {
    ssize_t got;
    if (style == SEND_RECV) {
      got = recv(fd, data, size, 0);
    } else if (style == SENDTO_RECVFROM) {
      got = recvfrom(fd, data, size, 0, NULL, NULL);
    } else {
      struct iovec piece = {data, size};
      struct msghdr message = {.msg_iov = &piece, .msg_iovlen = 1};
      got = recvmsg(fd, &message, 0);
    }
    if (got <= 0) die("receive: %s", got < 0 ? name_of(errno) : "end of file");
    data += got;
    size -= (size_t)got;
  }
}

static void* client(void* index_pointer) {
  int index = (int)(intptr_t)index_pointer;
  enum style style = (enum style)(index % 3);
  int fd = connect_loopback(port);
  char request[MAX_REQUEST], response[MAX_REQUEST];
  int intact = 1;
  for (int i = 0; i < ROUND_TRIPS; ++i) {
    size_t size = 1 + (size_t)(index * 131 + i * 977) % MAX_REQUEST;
    fill_pattern(request, size, (uint64_t)i * MAX_REQUEST, (unsigned)index);
    send_request(fd, request, size, style);
    receive_response(fd, response, size, style);
    intact &= memcmp(request, response, size) == 0;
  }
  must(shutdown(fd, SHUT_WR), "shutdown");
  char byte;
  intact &= recv(fd, &byte, 1, 0) == 0;
  close(fd);
  return (void*)(intptr_t)intact;
}

struct accepted {
  int fd;
  struct sockaddr_in peer;
  socklen_t peer_length;
};

static void* blocked_accept(void* result) {
  struct accepted* accepted = result;
  accepted->peer_length = sizeof accepted->peer;
  accepted->fd = (int)must(
      accept(listener, (struct sockaddr*)&accepted->peer, &accepted->peer_length), "accept");
  return NULL;
}

static int same_endpoint(const struct sockaddr_in* a, const struct sockaddr_in* b) {
  return a->sin_family == b->sin_family && a->sin_port == b->sin_port &&
         a->sin_addr.s_addr == b->sin_addr.s_addr;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  listener = listen_loopback(&port);

  struct accepted accepted;
  pthread_t acceptor = start_thread(blocked_accept, &accepted);
  pause_ms(50);
  int client_fd = connect_loopback(port);
  join_thread(acceptor);
  struct sockaddr_in client_address;
  socklen_t length = sizeof client_address;
  must(getsockname(client_fd, (struct sockaddr*)&client_address, &length), "getsockname");
  expect_true("accept blocked, then a client connected: peer is the client",
              accepted.peer_length == sizeof accepted.peer &&
                  same_endpoint(&accepted.peer, &client_address));
  expect_value("send from the server side", send(accepted.fd, "hi", 2, 0), 2);
  char buffer[8];
  expect_value("recv on the client side", recv(client_fd, buffer, sizeof buffer, 0), 2);
  close(accepted.fd);
  close(client_fd);

  client_fd = connect_loopback(port);
  int server_fd = (int)accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  expect_true("accept4 returned a descriptor", server_fd >= 0);
  expect_true("accept4 set O_NONBLOCK", (fcntl(server_fd, F_GETFL) & O_NONBLOCK) != 0);
  expect_true("accept4 set FD_CLOEXEC", (fcntl(server_fd, F_GETFD) & FD_CLOEXEC) != 0);
  close(server_fd);
  close(client_fd);

  acceptor = start_thread(accept_clients, NULL);
  pthread_t clients[CLIENTS];
  for (int i = 0; i < CLIENTS; ++i) clients[i] = start_thread(client, (void*)(intptr_t)i);
  int intact_clients = 0;
  for (int i = 0; i < CLIENTS; ++i) intact_clients += (int)(intptr_t)join_thread(clients[i]);
  join_thread(acceptor);
  expect_value("clients whose 200 echoes came back intact, then end of file", intact_clients,
               CLIENTS);
  close(listener);
  return finish();
}
