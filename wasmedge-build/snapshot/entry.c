/* The entry of the pre-initialized module: CPython with the service already
 * imported (build.sh's snapshot step).
 *
 * build-python.sh links this file, instead of Programs/python.o and wasi-libc's
 * _start, into python-snapshot.wasm. That module has two exports and no
 * _start:
 *
 *   wizer.initialize  Wizer calls it once, at build time, in wasmtime: it
 *                     initializes CPython as `python -m ENTRY` would, imports
 *                     ENTRY (the module named by $SNAPSHOT_ENTRY) and keeps
 *                     it. Wizer then writes the instance's memory out as the
 *                     new module's data.
 *   wizer.resume      Wizer renames it _start: WasmEdge calls it on every
 *                     launch. It refreshes what the snapshot froze but must
 *                     come from the runtime (the environment, the arguments,
 *                     the preopened directories, the random state), then
 *                     calls ENTRY.main().
 *
 * Without crt1-command.o, wasm-ld does not wrap exports in calls to the
 * constructors (it does so only when nothing calls __wasm_call_ctors), so
 * they run once, in wizer.initialize, and are part of the snapshot.
 *
 * python.wasm, the plain interpreter, is linked as before and never runs
 * this code.
 */

#include "Python.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>
#include <wasi/libc-environ.h>
#include <wasi/libc.h>

extern void __wasm_call_ctors(void);
extern unsigned char __heap_base;
extern char **environ;

/* Above any file descriptor that wasmtime hands out during initialization. */
#define FD_SCAN_LIMIT 1024

/* The heap file (see restore_heap), relative to the preopened "/". */
#define HEAP_PATH "usr/local/lib/python-snapshot.heap"
#define HEAP_MAGIC "WASMHEAP"

struct heap_header {
    uint8_t magic[8];
    uint8_t id[16];     /* snapshot_id of the module it belongs to */
    uint32_t start;     /* where the bytes go in memory: __heap_base */
    uint32_t length;
};

/* Random bytes chosen at initialization, below __heap_base, so in the
 * module; build.sh finds them through the export of their address and
 * writes them into the heap file's header. */
uint8_t snapshot_id[16];

static PyObject *entry;   /* the imported entry module */

static void
fail(const char *what)
{
    if (PyErr_Occurred()) {
        PyErr_Print();
    }
    fprintf(stderr, "snapshot: %s\n", what);
    exit(1);
}

static void
fail_status(PyStatus status)
{
    if (PyStatus_IsExit(status)) {
        exit(status.exitcode);
    }
    fprintf(stderr, "snapshot: %s%s%s\n", status.func ? status.func : "",
            status.func ? ": " : "", status.err_msg ? status.err_msg : "initialization failed");
    exit(1);
}

/* Runs Python source in a namespace of its own, which it returns; fails on
 * any exception (exits with its status on SystemExit). */
static PyObject *
run(const char *source, const char *what)
{
    PyObject *globals = PyDict_New();
    if (globals == NULL || PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) != 0) {
        fail(what);
    }
    PyObject *result = PyRun_String(source, Py_file_input, globals, globals);
    if (result == NULL) {
        fail(what);
    }
    Py_DECREF(result);
    return globals;
}

__attribute__((export_name("wizer.initialize"))) void
snapshot_initialize(void)
{
    __wasm_call_ctors();
    if (__wasi_random_get(snapshot_id, sizeof snapshot_id) != __WASI_ERRNO_SUCCESS) {
        fail("no random bytes");
    }

    const char *name = getenv("SNAPSHOT_ENTRY");
    if (name == NULL || *name == '\0') {
        fail("SNAPSHOT_ENTRY names no module");
    }
    /* The configuration of `python -m NAME`: Py_BytesMain's, from these
     * arguments. (sys.argv is set again at resume.) */
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    char *argv[] = {"python", "-m", (char *)name};
    PyStatus status = PyConfig_SetBytesArgv(&config, 3, argv);
    if (PyStatus_Exception(status)) {
        PyConfig_Clear(&config);
        fail_status(status);
    }
    status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        fail_status(status);
    }
    /* As `-m` does: the working directory first on sys.path. */
    Py_DECREF(run("import os, sys\nsys.path.insert(0, os.getcwd())\n", "setting sys.path failed"));
    entry = PyImport_ImportModule(name);
    if (entry == NULL) {
        fail("importing the entry module failed");
    }
    if (!PyObject_HasAttrString(entry, "main")) {
        fail("the entry module has no main()");
    }

    /* A file left open would be a dead descriptor in the snapshot: WasmEdge
     * numbers its own. Only the standard streams and preopens may be open. */
    for (__wasi_fd_t fd = 3; fd < FD_SCAN_LIMIT; fd++) {
        __wasi_fdstat_t stat;
        __wasi_prestat_t prestat;
        if (__wasi_fd_fdstat_get(fd, &stat) == __WASI_ERRNO_SUCCESS &&
            __wasi_fd_prestat_get(fd, &prestat) != __WASI_ERRNO_SUCCESS) {
            fprintf(stderr, "snapshot: file descriptor %u is still open after the imports\n", fd);
            exit(1);
        }
    }
}

/* Before restore_heap is done, only the stack and the static data are there. */
static _Noreturn void
die(const char *message)
{
    __wasi_ciovec_t parts[] = {
        {(const uint8_t *)"snapshot: ", 10},
        {(const uint8_t *)message, strlen(message)},
        {(const uint8_t *)"\n", 1},
    };
    __wasi_size_t written;
    (void)__wasi_fd_write(2, parts, 3, &written);
    __wasi_proc_exit(70);
}

/* Reads exactly `length` bytes of fd into memory at `into`. */
static int
read_exactly(__wasi_fd_t fd, uint8_t *into, size_t length)
{
    while (length > 0) {
        __wasi_iovec_t part = {into, length};
        __wasi_size_t got;
        if (__wasi_fd_read(fd, &part, 1, &got) != __WASI_ERRNO_SUCCESS || got == 0) {
            return -1;
        }
        into += got;
        length -= got;
    }
    return 0;
}

/* The heap: build.sh moves the snapshot's memory above __heap_base out of the
 * module, into HEAP_PATH in the runtime tree, and this reads it back before
 * anything else runs. As data segments, WasmEdge would keep three copies of
 * it besides the memory itself (the mapped file, the parsed segments, the
 * data instances), some 55 MB more RSS. Until it is done, the heap holds
 * zeros: this uses only the stack, static data and WASI calls, no malloc. */
static __attribute__((noinline)) void
restore_heap(void)
{
    uint8_t any = 0;
    for (size_t i = 0; i < sizeof snapshot_id; i++) {
        any |= snapshot_id[i];
    }
    if (!any) {
        die("not initialized: this is Wizer's input, not the snapshot");
    }
    __wasi_fd_t root = 3;
    for (;; root++) {
        __wasi_prestat_t prestat;
        if (__wasi_fd_prestat_get(root, &prestat) != __WASI_ERRNO_SUCCESS) {
            die("no preopened directory \"/\" to read the heap from");
        }
        uint8_t name[2];
        if (prestat.tag == __WASI_PREOPENTYPE_DIR && prestat.u.dir.pr_name_len == 1 &&
            __wasi_fd_prestat_dir_name(root, name, 1) == __WASI_ERRNO_SUCCESS && name[0] == '/') {
            break;
        }
    }
    __wasi_fd_t fd;
    if (__wasi_path_open(root, 0, HEAP_PATH, 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd) != __WASI_ERRNO_SUCCESS) {
        die("cannot open /" HEAP_PATH);
    }
    struct heap_header header;
    if (read_exactly(fd, (uint8_t *)&header, sizeof header) != 0 ||
        memcmp(header.magic, HEAP_MAGIC, sizeof header.magic) != 0 ||
        memcmp(header.id, snapshot_id, sizeof header.id) != 0 || header.start != (uintptr_t)&__heap_base) {
        die("/" HEAP_PATH " is not this module's heap");
    }
    if (header.start + (uint64_t)header.length > __builtin_wasm_memory_size(0) * 65536ull ||
        read_exactly(fd, (uint8_t *)(uintptr_t)header.start, header.length) != 0) {
        die("/" HEAP_PATH " is truncated or too large");
    }
    (void)__wasi_fd_close(fd);
}

/* Registers the runtime's preopened directories. wasi-libc prefers the most
 * recently registered of equal prefixes, so these win over the ones recorded
 * at build time (the same "/" at fd 3 under wasmtime and WasmEdge). */
static void
register_preopens(void)
{
    for (__wasi_fd_t fd = 3; fd != 0; fd++) {
        __wasi_prestat_t prestat;
        __wasi_errno_t error = __wasi_fd_prestat_get(fd, &prestat);
        if (error == __WASI_ERRNO_BADF) {
            break;
        }
        if (error != __WASI_ERRNO_SUCCESS || prestat.tag != __WASI_PREOPENTYPE_DIR) {
            continue;
        }
        size_t length = prestat.u.dir.pr_name_len;
        char *prefix = malloc(length + 1);
        if (prefix == NULL ||
            __wasi_fd_prestat_dir_name(fd, (uint8_t *)prefix, length) != __WASI_ERRNO_SUCCESS ||
            (prefix[length] = '\0', __wasilibc_register_preopened_fd((int)fd, prefix) != 0)) {
            fail("registering a preopened directory failed");
        }
        free(prefix);
    }
}

/* Refills posix.environ, which os.environ wraps, from the C environment, as
 * the posix module does when first imported. */
static void
refresh_os_environ(void)
{
    PyObject *posix = PyImport_ImportModule("posix");
    PyObject *data = posix ? PyObject_GetAttrString(posix, "environ") : NULL;
    Py_XDECREF(posix);
    if (data == NULL || !PyDict_Check(data)) {
        fail("no posix.environ");
    }
    PyDict_Clear(data);
    for (char **variable = environ; variable != NULL && *variable != NULL; variable++) {
        const char *equals = strchr(*variable, '=');
        if (equals == NULL) {
            continue;
        }
        PyObject *key = PyBytes_FromStringAndSize(*variable, equals - *variable);
        PyObject *value = PyBytes_FromString(equals + 1);
        if (key == NULL || value == NULL || PyDict_SetDefault(data, key, value) == NULL) {
            fail("copying the environment failed");
        }
        Py_DECREF(key);
        Py_DECREF(value);
    }
    Py_DECREF(data);
}

/* The WASI arguments, as a list of str (decoded as CPython decodes argv). */
static PyObject *
arguments(void)
{
    __wasi_size_t count, size;
    if (__wasi_args_sizes_get(&count, &size) != __WASI_ERRNO_SUCCESS) {
        fail("no arguments");
    }
    char **argv = calloc(count + 1, sizeof *argv);
    char *buffer = malloc(size ? size : 1);
    if (argv == NULL || buffer == NULL ||
        __wasi_args_get((uint8_t **)argv, (uint8_t *)buffer) != __WASI_ERRNO_SUCCESS) {
        fail("no arguments");
    }
    PyObject *list = PyList_New(0);
    for (__wasi_size_t i = 0; list != NULL && i < count; i++) {
        PyObject *arg = PyUnicode_DecodeFSDefault(argv[i]);
        if (arg == NULL || PyList_Append(list, arg) != 0) {
            fail("decoding the arguments failed");
        }
        Py_DECREF(arg);
    }
    free(argv);
    free(buffer);
    if (list == NULL) {
        fail("decoding the arguments failed");
    }
    return list;
}

/* The runtime's state, in Python: sys.argv as `-m` sets it (the arguments
 * may repeat `-m ENTRY`; anything else is refused, since no other Python
 * option can take effect any more), then what the imports computed once
 * but each process should have its own of. */
static const char RESUME[] =
    "def resume(argv, entry):\n"
    "    import sys\n"
    "    args = argv[1:]\n"
    "    if args[:2] == ['-m', entry.__name__]:\n"
    "        args = args[2:]\n"
    "    elif args:\n"
    "        sys.exit(f'this module runs {entry.__name__} (pre-initialized):'\n"
    "                 f' it takes no Python arguments, got {args[0]!r}')\n"
    "    sys.orig_argv = argv\n"
    "    sys.argv = [entry.__file__, *args]\n"
    "    if 'random' in sys.modules:\n"
    "        sys.modules['random'].seed()\n"
    "    if 'logging' in sys.modules:\n"
    "        import time\n"
    "        sys.modules['logging']._startTime = time.time()\n"
    "    if sys.stdout is not None:\n"
    "        sys.stdout.reconfigure(line_buffering=sys.stdout.isatty())\n";

__attribute__((export_name("wizer.resume"))) void
snapshot_resume(void)
{
    restore_heap();
    __wasilibc_deinitialize_environ();
    __wasilibc_maybe_reinitialize_environ_eagerly();
    register_preopens();
    refresh_os_environ();

    PyObject *globals = run(RESUME, "resuming failed");
    PyObject *argv = arguments();
    PyObject *result = PyObject_CallFunctionObjArgs(PyDict_GetItemString(globals, "resume"), argv, entry, NULL);
    if (result == NULL) {
        fail("resuming failed");
    }
    Py_DECREF(result);
    Py_DECREF(argv);
    Py_DECREF(globals);

    result = PyObject_CallMethod(entry, "main", NULL);
    int status = 0;
    if (result == NULL) {
        PyErr_Print();   /* exits for SystemExit, as python -m would */
        status = 1;
    }
    Py_XDECREF(result);
    if (Py_FinalizeEx() < 0) {
        status = 120;
    }
    exit(status);
}
