/* Forced into every C file built against libwasmedge_sockets (clang -include).
 *
 * Debian's wasi-libc (2022-05) declares only the socket calls of WASI preview
 * 1 (accept, recv, send, shutdown, getsockopt) and hides the rest behind
 * __wasilibc_unmodified_upstream. This header declares the calls that
 * libwasmedge_sockets implements over WasmEdge's socket ABI, and the
 * constants that go with them. It includes <sys/socket.h> first so that the
 * values below replace wasi-libc's. */
#ifndef WASMEDGE_SOCKETS_H
#define WASMEDGE_SOCKETS_H

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* Options at SOL_SOCKET (wasi-libc: 0x7fffffff) carry WasmEdge's own
 * numbering, so they pass through unchanged; wasi-libc's SO_TYPE (3) would be
 * WasmEdge's SO_DONTROUTE. Left out: SO_RCVTIMEO and SO_SNDTIMEO, whose
 * struct timeval differs between wasm32 and the host, and SO_BINDTODEVICE. */
#undef SO_TYPE
#define SO_REUSEADDR 0
#define SO_TYPE 1
#define SO_ERROR 2
#define SO_DONTROUTE 3
#define SO_BROADCAST 4
#define SO_SNDBUF 5
#define SO_RCVBUF 6
#define SO_KEEPALIVE 7
#define SO_OOBINLINE 8
#define SO_LINGER 9
#define SO_RCVLOWAT 10
#define SO_ACCEPTCONN 13

#define SOMAXCONN 128

int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr *addr, socklen_t addrlen);
int connect(int fd, const struct sockaddr *addr, socklen_t addrlen);
int listen(int fd, int backlog);
int getsockname(int fd, struct sockaddr *restrict addr, socklen_t *restrict addrlen);
int getpeername(int fd, struct sockaddr *restrict addr, socklen_t *restrict addrlen);
int setsockopt(int fd, int level, int name, const void *value, socklen_t len);
ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr,
               socklen_t addrlen);
ssize_t recvfrom(int fd, void *restrict buf, size_t len, int flags, struct sockaddr *restrict addr,
                 socklen_t *restrict addrlen);

#endif
