// recv, recvfrom, recvmsg, send, sendto, sendmsg: all become one receive
// and one send through msghdr (the kernel does the same inside), which
// io_transfer.h makes wait by parking the green thread.
#include <sys/socket.h>

#include "shim/io_transfer.h"

using greenshim::shim::libc_result;
using greenshim::shim::receive_without_blocking;
using greenshim::shim::send_without_blocking;

extern "C" {

[[noreturn]] void __chk_fail();

ssize_t recvmsg(int fd, msghdr* message, int flags) {
  return libc_result(receive_without_blocking(fd, message, flags));
}

ssize_t recvfrom(int fd, void* buffer, size_t size, int flags, sockaddr* address,
                 socklen_t* address_length) {
  iovec vector{buffer, size};
  msghdr message{};
  message.msg_iov = &vector;
  message.msg_iovlen = 1;
  if (address != nullptr && address_length != nullptr) {
    message.msg_name = address;
    message.msg_namelen = *address_length;
  }
  long result = receive_without_blocking(fd, &message, flags);
  if (result >= 0 && address != nullptr && address_length != nullptr)
    *address_length = message.msg_namelen;
  return libc_result(result);
}

ssize_t recv(int fd, void* buffer, size_t size, int flags) {
  return recvfrom(fd, buffer, size, flags, nullptr, nullptr);
}

ssize_t sendmsg(int fd, const msghdr* message, int flags) {
  return libc_result(send_without_blocking(fd, message, flags));
}

ssize_t sendto(int fd, const void* buffer, size_t size, int flags, const sockaddr* address,
               socklen_t address_length) {
  iovec vector{const_cast<void*>(buffer), size};
  msghdr message{};
  message.msg_iov = &vector;
  message.msg_iovlen = 1;
  message.msg_name = const_cast<sockaddr*>(address);
  message.msg_namelen = address != nullptr ? address_length : 0;
  return libc_result(send_without_blocking(fd, &message, flags));
}

ssize_t send(int fd, const void* buffer, size_t size, int flags) {
  return sendto(fd, buffer, size, flags, nullptr, 0);
}

// _FORTIFY_SOURCE builds call these when the buffer's size is known.
ssize_t __recv_chk(int fd, void* buffer, size_t size, size_t buffer_size, int flags) {
  if (size > buffer_size) __chk_fail();
  return recv(fd, buffer, size, flags);
}

ssize_t __recvfrom_chk(int fd, void* buffer, size_t size, size_t buffer_size, int flags,
                       sockaddr* address, socklen_t* address_length) {
  if (size > buffer_size) __chk_fail();
  return recvfrom(fd, buffer, size, flags, address, address_length);
}

}  // extern "C"
