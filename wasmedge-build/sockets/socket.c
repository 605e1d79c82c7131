/* POSIX sockets over WasmEdge's socket ABI (wasmedge_abi.h), for wasi-libc.
 *
 * wasi-libc already provides what preview 1 defines and WasmEdge implements
 * as is: send, recv, shutdown, close, poll (poll_oneoff works on sockets)
 * and fcntl/ioctl for O_NONBLOCK (fd_fdstat_set_flags). This file adds the
 * rest, and replaces wasi-libc's accept, accept4 and getsockopt. */
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "wasmedge_abi.h"

/* An IP address and a port in host order, as WasmEdge takes them. */
typedef struct {
    wasmedge_address addr;
    uint32_t port;
} endpoint;

static int check(__wasi_errno_t error) {
    if (error != 0) {
        errno = error;
        return -1;
    }
    return 0;
}

static int to_endpoint(const struct sockaddr *sa, socklen_t len, endpoint *out) {
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
        *out = (endpoint){{(uint8_t *)&in4->sin_addr, 4}, ntohs(in4->sin_port)};
        return 0;
    }
    if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        *out = (endpoint){{(uint8_t *)&in6->sin6_addr, 16}, ntohs(in6->sin6_port)};
        return 0;
    }
    errno = (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) ? EINVAL : EAFNOSUPPORT;
    return -1;
}

/* Stores an address in POSIX form, truncated to *len as getsockname(2) does;
 * *len becomes the full size. */
static void store_address(int family, const uint8_t *ip, uint16_t port, struct sockaddr *out,
                          socklen_t *len) {
    union {
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
    } full;
    socklen_t size;

    memset(&full, 0, sizeof full);
    if (family == AF_INET6) {
        full.in6.sin6_family = AF_INET6;
        full.in6.sin6_port = htons(port);
        memcpy(&full.in6.sin6_addr, ip, 16);
        size = sizeof full.in6;
    } else {
        full.in4.sin_family = AF_INET;
        full.in4.sin_port = htons(port);
        memcpy(&full.in4.sin_addr, ip, 4);
        size = sizeof full.in4;
    }
    memcpy(out, &full, size < *len ? size : *len);
    *len = size;
}

static int set_nonblocking(int fd) {
    return check(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_NONBLOCK));
}

int socket(int domain, int type, int protocol) {
    const int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
    uint32_t family, kind;
    int32_t fd;

    type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC); /* WASI has no exec: CLOEXEC is moot */
    if (domain == AF_INET) {
        family = WASMEDGE_AF_INET4;
    } else if (domain == AF_INET6) {
        family = WASMEDGE_AF_INET6;
    } else {
        errno = EAFNOSUPPORT;
        return -1;
    }
    if (type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP)) {
        kind = WASMEDGE_SOCK_STREAM;
    } else if (type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP)) {
        kind = WASMEDGE_SOCK_DGRAM;
    } else {
        errno = (type == SOCK_STREAM || type == SOCK_DGRAM) ? EPROTONOSUPPORT : EINVAL;
        return -1;
    }
    if (check(wasmedge_sock_open(family, kind, &fd)) != 0) {
        return -1;
    }
    if ((flags & SOCK_NONBLOCK) && set_nonblocking(fd) != 0) {
        const int error = errno;
        close(fd);
        errno = error;
        return -1;
    }
    return fd;
}

int bind(int fd, const struct sockaddr *addr, socklen_t addrlen) {
    endpoint ep;
    if (to_endpoint(addr, addrlen, &ep) != 0) {
        return -1;
    }
    return check(wasmedge_sock_bind(fd, &ep.addr, ep.port));
}

int connect(int fd, const struct sockaddr *addr, socklen_t addrlen) {
    endpoint ep;
    if (to_endpoint(addr, addrlen, &ep) != 0) {
        return -1;
    }
    return check(wasmedge_sock_connect(fd, &ep.addr, ep.port));
}

int listen(int fd, int backlog) {
    return check(wasmedge_sock_listen(fd, backlog));
}

typedef __wasi_errno_t (*address_query)(int32_t, wasmedge_address *, uint32_t *, uint32_t *);

static int query_address(address_query query, int fd, struct sockaddr *addr, socklen_t *len) {
    uint8_t ip[16];
    wasmedge_address buf = {ip, sizeof ip};
    uint32_t version, port;

    if (check(query(fd, &buf, &version, &port)) != 0) {
        return -1;
    }
    store_address(version == 6 ? AF_INET6 : AF_INET, ip, (uint16_t)port, addr, len);
    return 0;
}

int getsockname(int fd, struct sockaddr *restrict addr, socklen_t *restrict addrlen) {
    return query_address(wasmedge_sock_getlocaladdr, fd, addr, addrlen);
}

int getpeername(int fd, struct sockaddr *restrict addr, socklen_t *restrict addrlen) {
    return query_address(wasmedge_sock_getpeeraddr, fd, addr, addrlen);
}

int accept4(int fd, struct sockaddr *restrict addr, socklen_t *restrict addrlen, int flags) {
    __wasi_fd_t conn;

    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
        errno = EINVAL;
        return -1;
    }
    /* No flags for the host: given NONBLOCK, WasmEdge 0.17 (INode::sockAccept)
     * sets it on the listening socket instead of the new one. */
    if (check(__wasi_sock_accept(fd, 0, &conn)) != 0) {
        return -1;
    }
    if (((flags & SOCK_NONBLOCK) && set_nonblocking(conn) != 0) ||
        (addr != NULL && getpeername(conn, addr, addrlen) != 0)) {
        /* A peer that reset the connection before we asked for its address */
        const int error = errno == ENOTCONN ? ECONNABORTED : errno;
        close(conn);
        errno = error;
        return -1;
    }
    return conn;
}

int accept(int fd, struct sockaddr *restrict addr, socklen_t *restrict addrlen) {
    return accept4(fd, addr, addrlen, 0);
}

/* The SOL_SOCKET options that wasmedge_sockets.h defines, with WasmEdge's numbers. */
static int is_socket_option(int name) {
    return (name >= SO_REUSEADDR && name <= SO_RCVLOWAT) || name == SO_ACCEPTCONN;
}

/* WasmEdge has no IPPROTO_TCP level, but PyMySQL sets TCP_NODELAY on every
 * connection and gives up if that fails. So TCP_NODELAY is accepted and
 * ignored: Nagle's algorithm stays on, and getsockopt says so. */
int setsockopt(int fd, int level, int name, const void *value, socklen_t len) {
    if (level == SOL_SOCKET && is_socket_option(name)) {
        return check(wasmedge_sock_setsockopt(fd, WASMEDGE_SOL_SOCKET, name, value, len));
    }
    if (level == IPPROTO_TCP && name == TCP_NODELAY) {
        if (len < sizeof(int)) {
            errno = EINVAL;
            return -1;
        }
        return 0;
    }
    errno = ENOPROTOOPT;
    return -1;
}

int getsockopt(int fd, int level, int name, void *restrict value, socklen_t *restrict len) {
    if (level == IPPROTO_TCP && name == TCP_NODELAY) {
        if (*len < sizeof(int)) {
            errno = EINVAL;
            return -1;
        }
        *(int *)value = 0;
        *len = sizeof(int);
        return 0;
    }
    if (level != SOL_SOCKET || !is_socket_option(name)) {
        errno = ENOPROTOOPT;
        return -1;
    }
    if (name == SO_TYPE || name == SO_ERROR) {
        /* WasmEdge assumes exactly an int for these two. */
        if (*len < sizeof(int)) {
            errno = EINVAL;
            return -1;
        }
        *len = sizeof(int);
    }
    if (check(wasmedge_sock_getsockopt(fd, WASMEDGE_SOL_SOCKET, name, value, len)) != 0) {
        return -1;
    }
    /* SO_ERROR arrives as a WASI errno, which is wasi-libc's; SO_TYPE as
     * WasmEdge's socket type. */
    if (name == SO_TYPE) {
        int *type = value;
        *type = *type == WASMEDGE_SOCK_DGRAM ? SOCK_DGRAM : SOCK_STREAM;
    }
    return 0;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr,
               socklen_t addrlen) {
    const __wasi_ciovec_t data = {buf, len};
    endpoint ep;
    uint32_t sent;

    if (addr == NULL) {
        return send(fd, buf, len, flags);
    }
    if (flags != 0) { /* as wasi-libc's send */
        errno = EOPNOTSUPP;
        return -1;
    }
    if (to_endpoint(addr, addrlen, &ep) != 0 ||
        check(wasmedge_sock_send_to(fd, &data, 1, &ep.addr, ep.port, 0, &sent)) != 0) {
        return -1;
    }
    return sent;
}

ssize_t recvfrom(int fd, void *restrict buf, size_t len, int flags, struct sockaddr *restrict addr,
                 socklen_t *restrict addrlen) {
    const __wasi_iovec_t data = {buf, len};
    struct {
        uint16_t family;
        uint8_t ip[126];
    } from = {WASMEDGE_AF_UNSPEC, {0}};
    wasmedge_address from_buf = {(uint8_t *)&from, sizeof from};
    uint16_t port, roflags;
    uint32_t received;

    if (addr == NULL) {
        return recv(fd, buf, len, flags);
    }
    if (flags & ~(MSG_PEEK | MSG_WAITALL)) { /* as wasi-libc's recv */
        errno = EOPNOTSUPP;
        return -1;
    }
    if (check(wasmedge_sock_recv_from(fd, &data, 1, &from_buf, flags, &port, &received,
                                      &roflags)) != 0) {
        return -1;
    }
    if (from.family == WASMEDGE_AF_INET4 || from.family == WASMEDGE_AF_INET6) {
        store_address(from.family == WASMEDGE_AF_INET6 ? AF_INET6 : AF_INET, from.ip,
                      ntohs(port), addr, addrlen);
    } else {
        *addrlen = 0; /* a connected stream socket: no source address */
    }
    return received;
}
