/* Exercises libwasmedge_sockets under WasmEdge; driven by
 * tests/test_wasmedge_sockets.py, whose native peers sit on the other end.
 *
 *   socktest resolve NODE SERVICE any|stream|dgram
 *   socktest echo HOST PORT NBYTES     send NBYTES, read the echo (non-blocking + poll)
 *   socktest reset HOST PORT           the peer resets the connection
 *   socktest halfclose HOST PORT       send, shut down writing, read the reply
 *   socktest wait HOST PORT            poll timeouts, then data
 *   socktest serve NBYTES              listen, accept one client, echo NBYTES
 *   socktest options                   socket options
 *   socktest udp HOST PORT             one datagram to an echo peer and back
 *
 * It prints key=value lines; a failure prints "error=CALL: strerror" and exits 1. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void say(const char *key, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void say(const char *key, const char *format, ...) {
    va_list args;
    va_start(args, format);
    printf("%s=", key);
    vprintf(format, args);
    printf("\n");
    fflush(stdout);
    va_end(args);
}

static _Noreturn void fail(const char *call) {
    say("error", "%s: %s", call, strerror(errno));
    exit(1);
}

static uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t len) {
    crc = ~crc;
    while (len--) {
        crc ^= *data++;
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
        }
    }
    return ~crc;
}

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *show(const struct sockaddr *addr, char *buf, size_t len) {
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    socklen_t addrlen =
        addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    int error = getnameinfo(addr, addrlen, host, sizeof host, serv, sizeof serv,
                            NI_NUMERICHOST | NI_NUMERICSERV);
    if (error != 0) {
        snprintf(buf, len, "getnameinfo: %s", gai_strerror(error));
    } else {
        snprintf(buf, len, "%s %s", host, serv);
    }
    return buf;
}

static void say_names(int fd, const char *prefix) {
    struct sockaddr_in6 addr; /* big enough for either family */
    socklen_t len = sizeof addr;
    char key[32], buf[NI_MAXHOST + NI_MAXSERV];

    if (getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        fail("getsockname");
    }
    snprintf(key, sizeof key, "%ssockname", prefix);
    say(key, "%s", show((struct sockaddr *)&addr, buf, sizeof buf));
    len = sizeof addr;
    if (getpeername(fd, (struct sockaddr *)&addr, &len) != 0) {
        fail("getpeername");
    }
    snprintf(key, sizeof key, "%speername", prefix);
    say(key, "%s", show((struct sockaddr *)&addr, buf, sizeof buf));
}

/* Connects to the first address of HOST that accepts, as create_connection does. */
static int connect_to(const char *host, const char *port, int socktype) {
    struct addrinfo hints = {.ai_socktype = socktype}, *res;
    int fd = -1, error = getaddrinfo(host, port, &hints, &res);

    if (error != 0) {
        say("error", "getaddrinfo: %s", gai_strerror(error));
        exit(1);
    }
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            fail("socket");
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            error = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        errno = error;
        fail("connect");
    }
    return fd;
}

static void set_nonblocking(int fd) {
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
        fail("fcntl");
    }
}

static int resolve(const char *node, const char *service, const char *type) {
    struct addrinfo hints = {0}, *res;
    char buf[NI_MAXHOST + NI_MAXSERV];
    int error;

    hints.ai_socktype = !strcmp(type, "stream") ? SOCK_STREAM
                        : !strcmp(type, "dgram") ? SOCK_DGRAM
                                                 : 0;
    error = getaddrinfo(node, service, &hints, &res);
    if (error != 0) {
        say("gai_error", "%s", gai_strerror(error));
        return 1;
    }
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        say("addr", "%s %s %s", ai->ai_family == AF_INET6 ? "inet6" : "inet",
            ai->ai_socktype == SOCK_STREAM ? "stream" : "dgram", show(ai->ai_addr, buf, sizeof buf));
    }
    freeaddrinfo(res);
    return 0;
}

/* Sends NBYTES of a pseudo-random stream while reading the peer's echo. */
static int echo(const char *host, const char *port, size_t nbytes) {
    enum { CHUNK = 256 * 1024 };
    static uint8_t out[CHUNK], in[CHUNK];
    uint32_t state = 2463534242u, sent_crc = 0, recv_crc = 0;
    size_t sent = 0, received = 0, chunk_len = 0, chunk_off = 0;
    int fd = connect_to(host, port, SOCK_STREAM);

    say_names(fd, "");
    set_nonblocking(fd);
    while (received < nbytes) {
        struct pollfd pfd = {fd, POLLIN | (sent < nbytes ? POLLOUT : 0), 0};
        if (poll(&pfd, 1, 10000) != 1) {
            errno = ETIMEDOUT;
            fail("poll");
        }
        if ((pfd.revents & POLLOUT) && sent < nbytes) {
            if (chunk_off == chunk_len) {
                chunk_len = nbytes - sent < CHUNK ? nbytes - sent : CHUNK;
                for (size_t i = 0; i < chunk_len; i++) {
                    state ^= state << 13, state ^= state >> 17, state ^= state << 5;
                    out[i] = (uint8_t)state;
                }
                chunk_off = 0;
            }
            ssize_t n = send(fd, out + chunk_off, chunk_len - chunk_off, 0);
            if (n < 0 && errno != EAGAIN) {
                fail("send");
            }
            if (n > 0) {
                sent_crc = crc32_update(sent_crc, out + chunk_off, n);
                chunk_off += n, sent += n;
            }
        }
        if (pfd.revents & (POLLIN | POLLHUP)) {
            ssize_t n = recv(fd, in, sizeof in, 0);
            if (n < 0 && errno != EAGAIN) {
                fail("recv");
            }
            if (n == 0) {
                break;
            }
            if (n > 0) {
                recv_crc = crc32_update(recv_crc, in, n);
                received += n;
            }
        }
    }
    say("sent", "%zu %08x", sent, sent_crc);
    say("received", "%zu %08x", received, recv_crc);
    close(fd);
    return 0;
}

static int reset(const char *host, const char *port) {
    char byte;
    int fd = connect_to(host, port, SOCK_STREAM);

    if (recv(fd, &byte, 1, 0) >= 0) {
        say("recv_error", "none");
    } else {
        say("recv_error", "%s", strerror(errno));
    }
    if (send(fd, "x", 1, 0) >= 0) {
        say("send_error", "none");
    } else {
        say("send_error", "%s", strerror(errno));
    }
    return 0;
}

/* The peer answers only after our EOF, which shutdown(SHUT_WR) sends. */
static int halfclose(const char *host, const char *port) {
    char reply[16];
    ssize_t n;
    int fd = connect_to(host, port, SOCK_STREAM);

    if (send(fd, "hello", 5, 0) != 5) {
        fail("send");
    }
    if (shutdown(fd, SHUT_WR) != 0) {
        fail("shutdown");
    }
    n = recv(fd, reply, sizeof reply - 1, MSG_WAITALL);
    if (n < 0) {
        fail("recv");
    }
    reply[n] = '\0';
    say("reply", "%s", reply);
    return 0;
}

/* The peer sends one byte when told to (by our first line), after a delay. */
static int wait_for_data(const char *host, const char *port) {
    int fd = connect_to(host, port, SOCK_STREAM);
    struct pollfd pfd = {fd, POLLIN, 0};
    long start = now_ms();
    char byte;

    set_nonblocking(fd);
    if (recv(fd, &byte, 1, 0) >= 0 || errno != EAGAIN) {
        fail("recv on an idle non-blocking socket");
    }
    say("idle_recv", "%s", strerror(errno));
    say("poll_timeout", "%d %ld", poll(&pfd, 1, 300), now_ms() - start);
    if (send(fd, "go", 2, 0) != 2) {
        fail("send");
    }
    start = now_ms();
    say("poll_data", "%d %ld", poll(&pfd, 1, 10000), now_ms() - start);
    if (recv(fd, &byte, 1, 0) != 1) {
        fail("recv");
    }
    say("byte", "%c", byte);
    return 0;
}

static int serve(size_t nbytes) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    static uint8_t buf[256 * 1024];
    char name[NI_MAXHOST + NI_MAXSERV];
    size_t received = 0;
    uint32_t crc = 0;
    int one = 1, listener = socket(AF_INET, SOCK_STREAM, 0), conn;

    if (listener < 0) {
        fail("socket");
    }
    if (setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
        fail("setsockopt");
    }
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0) {
        fail("bind");
    }
    if (listen(listener, SOMAXCONN) != 0) {
        fail("listen");
    }
    if (getsockname(listener, (struct sockaddr *)&addr, &len) != 0) {
        fail("getsockname");
    }
    say("port", "%d", ntohs(addr.sin_port));
    len = sizeof addr;
    conn = accept4(listener, (struct sockaddr *)&addr, &len, SOCK_NONBLOCK);
    if (conn < 0) {
        fail("accept4");
    }
    say("accepted_from", "%s", show((struct sockaddr *)&addr, name, sizeof name));
    say("nonblocking", "conn=%d listener=%d", !!(fcntl(conn, F_GETFL) & O_NONBLOCK),
        !!(fcntl(listener, F_GETFL) & O_NONBLOCK));
    say_names(conn, "accepted_");
    while (received < nbytes) {
        struct pollfd pfd = {conn, POLLIN, 0};
        if (poll(&pfd, 1, 10000) != 1) {
            errno = ETIMEDOUT;
            fail("poll");
        }
        ssize_t n = recv(conn, buf, sizeof buf, 0);
        if (n == 0) {
            break;
        }
        if (n < 0) {
            if (errno == EAGAIN) {
                continue;
            }
            fail("recv");
        }
        crc = crc32_update(crc, buf, n);
        received += n;
        for (ssize_t off = 0; off < n;) {
            ssize_t m = send(conn, buf + off, n - off, 0);
            if (m < 0 && errno != EAGAIN) {
                fail("send");
            }
            if (m < 0) {
                struct pollfd out = {conn, POLLOUT, 0};
                poll(&out, 1, 10000);
            } else {
                off += m;
            }
        }
    }
    say("received", "%zu %08x", received, crc);
    close(conn);
    close(listener);
    return 0;
}

static int options(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), value = 1;
    socklen_t len = sizeof value;
    struct linger linger = {1, 0};

    if (fd < 0) {
        fail("socket");
    }
    say("nonblocking", "%d", !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, sizeof value) != 0) {
        fail("setsockopt TCP_NODELAY");
    }
    if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &len) != 0) {
        fail("getsockopt TCP_NODELAY");
    }
    say("tcp_nodelay", "%d", value);
    value = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &value, sizeof value) != 0) {
        fail("setsockopt SO_KEEPALIVE");
    }
    len = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &value, &len) != 0) {
        fail("getsockopt SO_KEEPALIVE");
    }
    say("keepalive", "%d", value);
    len = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, &len) != 0) {
        fail("getsockopt SO_TYPE");
    }
    say("type_is_stream", "%d", value == SOCK_STREAM);
    len = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &len) != 0) {
        fail("getsockopt SO_ERROR");
    }
    say("so_error", "%d", value);
    len = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, &len) != 0) {
        fail("getsockopt SO_RCVBUF");
    }
    say("rcvbuf_positive", "%d", value > 0);
    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger) != 0) {
        fail("setsockopt SO_LINGER");
    }
    value = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &value, sizeof value) == 0) {
        fail("setsockopt TCP_KEEPIDLE succeeded");
    }
    say("tcp_keepidle", "%s", strerror(errno));
    return 0;
}

static int udp(const char *host, const char *port) {
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM}, *res;
    struct sockaddr_in6 from;
    socklen_t len = sizeof from;
    char buf[64], name[NI_MAXHOST + NI_MAXSERV];
    ssize_t n;
    int fd, error = getaddrinfo(host, port, &hints, &res);

    if (error != 0) {
        say("error", "getaddrinfo: %s", gai_strerror(error));
        return 1;
    }
    fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0) {
        fail("socket");
    }
    if (sendto(fd, "ping", 4, 0, res->ai_addr, res->ai_addrlen) != 4) {
        fail("sendto");
    }
    freeaddrinfo(res);
    n = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &len);
    if (n < 0) {
        fail("recvfrom");
    }
    buf[n] = '\0';
    say("reply", "%s", buf);
    say("from", "%s", show((struct sockaddr *)&from, name, sizeof name));
    return 0;
}

int main(int argc, char **argv) {
    const char *cmd = argc > 1 ? argv[1] : "";

    if (!strcmp(cmd, "resolve") && argc == 5) {
        return resolve(argv[2], argv[3], argv[4]);
    }
    if (!strcmp(cmd, "echo") && argc == 5) {
        return echo(argv[2], argv[3], strtoul(argv[4], NULL, 10));
    }
    if (!strcmp(cmd, "reset") && argc == 4) {
        return reset(argv[2], argv[3]);
    }
    if (!strcmp(cmd, "halfclose") && argc == 4) {
        return halfclose(argv[2], argv[3]);
    }
    if (!strcmp(cmd, "wait") && argc == 4) {
        return wait_for_data(argv[2], argv[3]);
    }
    if (!strcmp(cmd, "serve") && argc == 3) {
        return serve(strtoul(argv[2], NULL, 10));
    }
    if (!strcmp(cmd, "options") && argc == 2) {
        return options();
    }
    if (!strcmp(cmd, "udp") && argc == 4) {
        return udp(argv[2], argv[3]);
    }
    fprintf(stderr, "usage: see the top of socktest.c\n");
    return 2;
}
