/* getaddrinfo and friends over WasmEdge's sock_getaddrinfo, which runs the
 * host's getaddrinfo(3): DNS names, /etc/hosts and numeric IPv4/IPv6. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmedge_abi.h"

enum {
    MAX_RESULTS = 32,   /* host results beyond this are dropped */
    SA_DATA_SIZE = 26,  /* sockaddr_in6 from sin6_port on */
    CANONNAME_SIZE = 256 /* any DNS name and its NUL */
};

/* The entries WasmEdge fills in: the guest allocates and links them. */
typedef struct {
    wasmedge_addrinfo info[MAX_RESULTS];
    wasmedge_sockaddr addr[MAX_RESULTS];
    uint8_t sa_data[MAX_RESULTS][SA_DATA_SIZE];
    char canonname[CANONNAME_SIZE]; /* shared: only the first entry gets one */
} host_results;

typedef struct {
    int socktype, protocol;
    uint8_t host_socktype, host_protocol;
} socket_kind;

static const socket_kind STREAM = {SOCK_STREAM, IPPROTO_TCP, WASMEDGE_SOCK_STREAM,
                                   WASMEDGE_IPPROTO_TCP};
static const socket_kind DGRAM = {SOCK_DGRAM, IPPROTO_UDP, WASMEDGE_SOCK_DGRAM,
                                  WASMEDGE_IPPROTO_UDP};

/* One result and its address in one allocation; a canonical name separately. */
typedef struct {
    struct addrinfo info;
    union {
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
    } addr;
} result;

static int from_wasi_errno(__wasi_errno_t error) {
    switch (error) {
    case WASMEDGE_ERRNO_AIADDRFAMILY: return EAI_ADDRFAMILY;
    case WASMEDGE_ERRNO_AIAGAIN: return EAI_AGAIN;
    case WASMEDGE_ERRNO_AIBADFLAG: return EAI_BADFLAGS;
    case WASMEDGE_ERRNO_AIFAIL: return EAI_FAIL;
    case WASMEDGE_ERRNO_AIFAMILY: return EAI_FAMILY;
    case WASMEDGE_ERRNO_AIMEMORY: return EAI_MEMORY;
    case WASMEDGE_ERRNO_AINODATA: return EAI_NODATA;
    case WASMEDGE_ERRNO_AINONAME: return EAI_NONAME;
    case WASMEDGE_ERRNO_AISERVICE: return EAI_SERVICE;
    case WASMEDGE_ERRNO_AISOCKTYPE: return EAI_SOCKTYPE;
    default:
        errno = error;
        return EAI_SYSTEM;
    }
}

/* Converts one host entry; NULL if out of memory. */
static result *new_result(const wasmedge_addrinfo *host, const socket_kind *kind, int flags) {
    const uint8_t *data = host->ai_addr->sa_data;
    result *r = calloc(1, sizeof *r);

    if (r == NULL) {
        return NULL;
    }
    r->info.ai_flags = flags;
    r->info.ai_socktype = kind->socktype;
    r->info.ai_protocol = kind->protocol;
    r->info.ai_addr = (struct sockaddr *)&r->addr;
    /* sa_data: port, then (IPv6) flow info, address, scope id; network order */
    if (host->ai_addr->sa_family == WASMEDGE_AF_INET6) {
        r->info.ai_family = AF_INET6;
        r->info.ai_addrlen = sizeof r->addr.in6;
        r->addr.in6.sin6_family = AF_INET6;
        memcpy(&r->addr.in6.sin6_port, data, 2);
        memcpy(&r->addr.in6.sin6_flowinfo, data + 2, 4);
        memcpy(&r->addr.in6.sin6_addr, data + 6, 16);
        memcpy(&r->addr.in6.sin6_scope_id, data + 22, 4);
    } else {
        r->info.ai_family = AF_INET;
        r->info.ai_addrlen = sizeof r->addr.in4;
        r->addr.in4.sin_family = AF_INET;
        memcpy(&r->addr.in4.sin_port, data, 2);
        memcpy(&r->addr.in4.sin_addr, data + 2, 4);
    }
    return r;
}

int getaddrinfo(const char *restrict node, const char *restrict service,
                const struct addrinfo *restrict hints, struct addrinfo **restrict res) {
    static const struct addrinfo no_hints;
    const int known_flags = AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_NUMERICSERV |
                            AI_V4MAPPED | AI_ALL | AI_ADDRCONFIG;
    const socket_kind *kinds[2];
    size_t nkinds = 0;
    host_results *host;
    wasmedge_addrinfo *first, host_hints = {0};
    uint32_t count;
    __wasi_errno_t error;
    struct addrinfo **tail = res;

    if (hints == NULL) {
        hints = &no_hints;
    }
    if (node == NULL && service == NULL) {
        return EAI_NONAME;
    }
    if (hints->ai_flags & ~known_flags) {
        return EAI_BADFLAGS;
    }
    if (hints->ai_family != AF_UNSPEC && hints->ai_family != AF_INET &&
        hints->ai_family != AF_INET6) {
        return EAI_FAMILY;
    }
    /* Without a socket type the host's getaddrinfo would add SOCK_RAW entries,
     * which WasmEdge 0.17 cannot convert (fromSockType: unreachable). So the
     * host is asked for one type, and its answers are repeated for the other,
     * in glibc's order. */
    if ((hints->ai_socktype == 0 || hints->ai_socktype == SOCK_STREAM) &&
        (hints->ai_protocol == 0 || hints->ai_protocol == IPPROTO_TCP)) {
        kinds[nkinds++] = &STREAM;
    }
    if ((hints->ai_socktype == 0 || hints->ai_socktype == SOCK_DGRAM) &&
        (hints->ai_protocol == 0 || hints->ai_protocol == IPPROTO_UDP)) {
        kinds[nkinds++] = &DGRAM;
    }
    if (nkinds == 0) {
        return EAI_SOCKTYPE;
    }

    host = malloc(sizeof *host);
    if (host == NULL) {
        return EAI_MEMORY;
    }
    for (size_t i = 0; i < MAX_RESULTS; i++) {
        host->addr[i] = (wasmedge_sockaddr){0, SA_DATA_SIZE, host->sa_data[i]};
        host->info[i] = (wasmedge_addrinfo){
            .ai_addr = &host->addr[i],
            .ai_canonname = host->canonname,
            .ai_canonname_len = CANONNAME_SIZE,
            .ai_next = i + 1 < MAX_RESULTS ? &host->info[i + 1] : NULL,
        };
    }
    host_hints.ai_flags = hints->ai_flags; /* same bits as WasmEdge's */
    host_hints.ai_family = hints->ai_family; /* same numbers as WasmEdge's */
    host_hints.ai_socktype = kinds[0]->host_socktype;
    host_hints.ai_protocol = kinds[0]->host_protocol;
    first = host->info;
    error = wasmedge_sock_getaddrinfo(node ? node : "", node ? strlen(node) : 0,
                                      service ? service : "", service ? strlen(service) : 0,
                                      &host_hints, &first, MAX_RESULTS, &count);
    if (error != 0 || count == 0) {
        free(host);
        return error != 0 ? from_wasi_errno(error) : EAI_NONAME;
    }

    *res = NULL;
    for (uint32_t i = 0; i < count; i++) {
        for (size_t k = 0; k < nkinds; k++) {
            result *r = new_result(&host->info[i], kinds[k], hints->ai_flags);
            if (r == NULL) {
                goto out_of_memory;
            }
            *tail = &r->info;
            tail = &r->info.ai_next;
        }
    }
    if ((hints->ai_flags & AI_CANONNAME) && host->info[0].ai_canonname_len > 0) {
        (*res)->ai_canonname = strdup(host->canonname);
        if ((*res)->ai_canonname == NULL) {
            goto out_of_memory;
        }
    }
    free(host);
    return 0;

out_of_memory:
    free(host);
    freeaddrinfo(*res);
    *res = NULL;
    return EAI_MEMORY;
}

void freeaddrinfo(struct addrinfo *res) {
    while (res != NULL) {
        struct addrinfo *next = res->ai_next;
        free(res->ai_canonname);
        free(res); /* the result that holds it: info is its first member */
        res = next;
    }
}

const char *gai_strerror(int error) {
    switch (error) {
    case 0: return "Success";
    case EAI_BADFLAGS: return "Invalid flags";
    case EAI_NONAME: return "Name or service not known";
    case EAI_AGAIN: return "Temporary failure in name resolution";
    case EAI_FAIL: return "Non-recoverable failure in name resolution";
    case EAI_NODATA: return "No address associated with hostname";
    case EAI_FAMILY: return "Address family not supported";
    case EAI_SOCKTYPE: return "Socket type not supported";
    case EAI_SERVICE: return "Service not supported for socket type";
    case EAI_ADDRFAMILY: return "Address family for hostname not supported";
    case EAI_MEMORY: return "Out of memory";
    case EAI_SYSTEM: return "System error";
    case EAI_OVERFLOW: return "Buffer too small";
    default: return "Unknown error";
    }
}

/* WasmEdge offers no reverse lookup, so hosts and services always come out
 * numeric, as getnameinfo(3) does when a lookup finds no name. */
int getnameinfo(const struct sockaddr *restrict addr, socklen_t addrlen, char *restrict host,
                socklen_t hostlen, char *restrict serv, socklen_t servlen, int flags) {
    const void *ip;
    int port;

    if (addr->sa_family == AF_INET && addrlen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)addr;
        ip = &in4->sin_addr;
        port = ntohs(in4->sin_port);
    } else if (addr->sa_family == AF_INET6 && addrlen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
        ip = &in6->sin6_addr;
        port = ntohs(in6->sin6_port);
    } else {
        return EAI_FAMILY;
    }
    if (host != NULL && hostlen > 0) {
        if (flags & NI_NAMEREQD) {
            return EAI_NONAME;
        }
        if (inet_ntop(addr->sa_family, ip, host, hostlen) == NULL) {
            return EAI_OVERFLOW;
        }
    }
    if (serv != NULL && servlen > 0 && snprintf(serv, servlen, "%d", port) >= (int)servlen) {
        return EAI_OVERFLOW;
    }
    return 0;
}
