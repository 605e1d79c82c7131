/* WasmEdge's socket extension to wasi_snapshot_preview1, as WasmEdge 0.17
 * defines it in include/host/wasi/wasifunc.h and lib/host/wasi/wasifunc.cpp.
 *
 * Every call returns a WASI errno, which wasi-libc's errno uses as is.
 * WasmEdge registers two versions of several calls and picks the one whose
 * signature matches the import: these declarations select version 1, except
 * sock_recv_from, whose version 2 (eight parameters) also returns the port.
 * sock_accept, sock_recv, sock_send and sock_shutdown are standard preview 1
 * calls that wasi-libc already declares in <wasi/api.h>. */
#ifndef WASMEDGE_ABI_H
#define WASMEDGE_ABI_H

#include <stdint.h>
#include <wasi/api.h>

#define WASMEDGE_IMPORT(name) \
    __attribute__((import_module("wasi_snapshot_preview1"), import_name(name)))

/* An IP address: 4 or 16 bytes in network order. Ports travel separately. */
typedef struct {
    uint8_t *buf;
    uint32_t buf_len;
} wasmedge_address;

/* __wasi_sockaddr_t: sa_data is the host's struct sockaddr from sin_port on. */
typedef struct {
    uint8_t sa_family;
    uint32_t sa_data_len;
    uint8_t *sa_data;
} wasmedge_sockaddr;

/* __wasi_addrinfo_t */
typedef struct wasmedge_addrinfo {
    uint16_t ai_flags;
    uint8_t ai_family;
    uint8_t ai_socktype;
    uint8_t ai_protocol;
    uint32_t ai_addrlen;
    wasmedge_sockaddr *ai_addr;
    char *ai_canonname;
    uint32_t ai_canonname_len;
    struct wasmedge_addrinfo *ai_next;
} wasmedge_addrinfo;

_Static_assert(sizeof(wasmedge_address) == 8, "__wasi_address_t");
_Static_assert(sizeof(wasmedge_sockaddr) == 12, "__wasi_sockaddr_t");
_Static_assert(sizeof(wasmedge_addrinfo) == 28, "__wasi_addrinfo_t");
_Static_assert(__builtin_offsetof(wasmedge_addrinfo, ai_addrlen) == 8, "__wasi_addrinfo_t");
_Static_assert(__builtin_offsetof(wasmedge_addrinfo, ai_next) == 24, "__wasi_addrinfo_t");

/* __wasi_address_family_t; the same numbers as wasi-libc's AF_* */
enum { WASMEDGE_AF_UNSPEC = 0, WASMEDGE_AF_INET4 = 1, WASMEDGE_AF_INET6 = 2 };
/* __wasi_sock_type_t; wasi-libc's SOCK_* are file types (5 and 6) */
enum { WASMEDGE_SOCK_ANY = 0, WASMEDGE_SOCK_DGRAM = 1, WASMEDGE_SOCK_STREAM = 2 };
/* __wasi_protocol_t */
enum { WASMEDGE_IPPROTO_IP = 0, WASMEDGE_IPPROTO_TCP = 1, WASMEDGE_IPPROTO_UDP = 2 };
/* __wasi_sock_opt_level_t: the only level */
enum { WASMEDGE_SOL_SOCKET = 0 };
/* WasmEdge's errnos for getaddrinfo failures, after WASI's 76 */
enum {
    WASMEDGE_ERRNO_AIADDRFAMILY = 77,
    WASMEDGE_ERRNO_AIAGAIN,
    WASMEDGE_ERRNO_AIBADFLAG,
    WASMEDGE_ERRNO_AIFAIL,
    WASMEDGE_ERRNO_AIFAMILY,
    WASMEDGE_ERRNO_AIMEMORY,
    WASMEDGE_ERRNO_AINODATA,
    WASMEDGE_ERRNO_AINONAME,
    WASMEDGE_ERRNO_AISERVICE,
    WASMEDGE_ERRNO_AISOCKTYPE,
    WASMEDGE_ERRNO_AISYSTEM,
};

WASMEDGE_IMPORT("sock_open")
__wasi_errno_t wasmedge_sock_open(uint32_t family, uint32_t type, int32_t *fd);
WASMEDGE_IMPORT("sock_bind")
__wasi_errno_t wasmedge_sock_bind(int32_t fd, wasmedge_address *addr, uint32_t port);
WASMEDGE_IMPORT("sock_connect")
__wasi_errno_t wasmedge_sock_connect(int32_t fd, wasmedge_address *addr, uint32_t port);
WASMEDGE_IMPORT("sock_listen")
__wasi_errno_t wasmedge_sock_listen(int32_t fd, int32_t backlog);
/* *family is 4 or 6 (not an address family); *port is in host order. */
WASMEDGE_IMPORT("sock_getlocaladdr")
__wasi_errno_t wasmedge_sock_getlocaladdr(int32_t fd, wasmedge_address *addr, uint32_t *family,
                                          uint32_t *port);
WASMEDGE_IMPORT("sock_getpeeraddr")
__wasi_errno_t wasmedge_sock_getpeeraddr(int32_t fd, wasmedge_address *addr, uint32_t *family,
                                         uint32_t *port);
WASMEDGE_IMPORT("sock_getsockopt")
__wasi_errno_t wasmedge_sock_getsockopt(int32_t fd, uint32_t level, uint32_t name, void *value,
                                        uint32_t *len);
WASMEDGE_IMPORT("sock_setsockopt")
__wasi_errno_t wasmedge_sock_setsockopt(int32_t fd, uint32_t level, uint32_t name,
                                        const void *value, uint32_t len);
/* The host walks max entries from *res through ai_next, fills up to max of
 * them and reports how many in *count. Every entry needs an ai_addr whose
 * sa_data can take 26 bytes, and an ai_canonname buffer of ai_canonname_len
 * bytes; WasmEdge writes the canonical name (and its NUL) without checking
 * that length, so it must hold any DNS name. */
WASMEDGE_IMPORT("sock_getaddrinfo")
__wasi_errno_t wasmedge_sock_getaddrinfo(const char *node, uint32_t node_len, const char *service,
                                         uint32_t service_len, const wasmedge_addrinfo *hints,
                                         wasmedge_addrinfo **res, uint32_t max, uint32_t *count);
WASMEDGE_IMPORT("sock_send_to")
__wasi_errno_t wasmedge_sock_send_to(int32_t fd, const __wasi_ciovec_t *data, uint32_t data_len,
                                     wasmedge_address *addr, int32_t port, uint32_t flags,
                                     uint32_t *sent);
/* Version 2: a 128-byte addr buffer receives a uint16_t address family, then
 * the address; *port is in network order. */
WASMEDGE_IMPORT("sock_recv_from")
__wasi_errno_t wasmedge_sock_recv_from(int32_t fd, const __wasi_iovec_t *data, uint32_t data_len,
                                       wasmedge_address *addr, uint32_t flags, uint16_t *port,
                                       uint32_t *received, uint16_t *roflags);

#endif
