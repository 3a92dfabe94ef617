// Batched UDP for clusterdns (issue 6): one recvmmsg(2) fills up to `batch` datagrams into a
// receive arena shared with JavaScript, ONE call into JS handles them all and writes the replies
// into a send arena, and ONE sendmmsg(2) sends them. Node 20's dgram pays a syscall and a
// JS<->C++ transition per datagram in each direction; at ~225k QPS that is over half of the
// server's CPU (profile in src/server/fast-udp.ts). Knot DNS uses the same two calls.
//
// Memory: every arena is a JavaScript ArrayBuffer the wrapper allocates and passes in (backing
// stores of ArrayBuffers never move); this file keeps a strong reference to the options object
// holding them until close(), so nothing is freed under the kernel or under JS. Nothing is
// allocated per packet here.
//
// Failure behaviour: nothing in the poll callback throws. Receive/send errors are counted in the
// shared counters and, for unexpected ones, reported (rate-limited) through the onError
// callback; an exception thrown by the JS batch callback is caught and reported the same way.
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

// sockaddr_in6 is 28 bytes; slots of 32 keep them aligned. The wrapper uses the same figure.
#define ADDR_SLOT 32
// recvmmsg rounds per wakeup before we give the event loop back (timers, TCP, IPC): fairness.
// The poll is level-triggered, so whatever is left wakes us again on the next loop turn.
#define MAX_ROUNDS 4
// At most one onError report per errno per second: a persistent error must not flood the log.
#define REPORT_INTERVAL_MS 1000

// Counter slots in the shared Float64Array (same order as COUNTERS in fast-udp.ts).
enum {
  C_RECEIVED,     // datagrams received
  C_SENT,         // datagrams sent (batched and single)
  C_TRUNCATED,    // datagrams larger than a slot: dropped (MSG_TRUNC)
  C_SEND_DROPPED, // replies dropped because the socket buffer stayed full (EAGAIN twice)
  C_SEND_ERRORS,  // replies the kernel refused (EMSGSIZE, EACCES, queued ICMP errors, ...)
  C_RECV_ERRORS,  // recvmmsg failures other than EAGAIN
  C_WAKEUPS,      // poll callbacks
  C_ROUNDS,       // recvmmsg calls that returned datagrams (= calls into JS)
  C_COUNT
};

typedef struct {
  napi_env env;
  uv_poll_t poll;
  int fd;
  int family; // AF_INET or AF_INET6
  socklen_t addrlen;
  int batch, slot;
  uint8_t *recv, *send, *addrs;
  // meta: [0, batch) received lengths (-1 = dropped), [batch, 2 batch) source index of each
  // reply, [2 batch, 3 batch) reply lengths, [3 batch] number of replies.
  int32_t *meta;
  double *counters;
  struct mmsghdr *rmsgs, *smsgs;
  struct iovec *riov, *siov;
  napi_ref self, keep, on_batch, on_error;
  napi_async_context actx;
  int closed, handle_closed, finalized, in_callback, destroy_pending;
  int last_errno;
  uint64_t last_report;
} sock_t;

static void free_sock(sock_t *st) {
  free(st->rmsgs);
  free(st->smsgs);
  free(st->riov);
  free(st->siov);
  free(st);
}

static void on_handle_closed(uv_handle_t *h) {
  sock_t *st = (sock_t *)h->data;
  st->handle_closed = 1;
  if (st->finalized) free_sock(st);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  sock_t *st = (sock_t *)data;
  st->finalized = 1;
  // The wrapper object is only collectable after close() (a strong self-reference is held
  // while open), so the poll handle is closed or closing; free once libuv is done with it.
  if (st->handle_closed) free_sock(st);
}

// The part of close that needs no JavaScript: stop polling and release the port at once, so a
// rebind right after close() succeeds.
static void close_native(sock_t *st) {
  if (st->closed) return;
  st->closed = 1;
  uv_close((uv_handle_t *)&st->poll, on_handle_closed);
  close(st->fd);
  st->fd = -1;
}

static void env_cleanup(void *arg) {
  close_native((sock_t *)arg);
}

// ---- errors ---------------------------------------------------------------------------------

// An Error shaped like Node's system errors: code, errno, syscall (and address/port for bind).
static napi_value make_error(napi_env env, int err, const char *syscall, const char *host, int port) {
  char msg[256];
  const char *code = uv_err_name(-err);
  if (host) snprintf(msg, sizeof msg, "%s %s %s:%d", syscall, code, host, port);
  else snprintf(msg, sizeof msg, "%s %s (%s)", syscall, code, strerror(err));
  napi_value m, c, e, v;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &c);
  napi_create_error(env, c, m, &e);
  napi_create_int32(env, -err, &v);
  napi_set_named_property(env, e, "errno", v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, e, "syscall", v);
  if (host) {
    napi_create_string_utf8(env, host, NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, e, "address", v);
    napi_create_int32(env, port, &v);
    napi_set_named_property(env, e, "port", v);
  }
  return e;
}

// Calls onError(value); an exception from onError itself is swallowed (never crash from here).
static void report_value(sock_t *st, napi_value value) {
  napi_env env = st->env;
  napi_value fn, self;
  if (!st->on_error || !st->self || napi_get_reference_value(env, st->on_error, &fn) != napi_ok || !fn) return;
  napi_get_reference_value(env, st->self, &self);
  if (napi_call_function(env, self, fn, 1, &value, NULL) == napi_pending_exception) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
  }
}

static void report_errno(sock_t *st, int err, const char *syscall) {
  uint64_t now = uv_now(uv_handle_get_loop((uv_handle_t *)&st->poll));
  if (err == st->last_errno && now - st->last_report < REPORT_INTERVAL_MS) return;
  st->last_errno = err;
  st->last_report = now;
  report_value(st, make_error(st->env, err, syscall, NULL, 0));
}

// ---- receive and send -----------------------------------------------------------------------

// One recvmmsg. Returns the number of datagrams (lengths written to meta), 0 when the socket is
// drained, -1 after an error that ends this wakeup.
static int recv_round(sock_t *st) {
  for (int j = 0; j < st->batch; j++) {
    st->rmsgs[j].msg_hdr.msg_namelen = sizeof(struct sockaddr_in6);
    st->rmsgs[j].msg_hdr.msg_flags = 0;
  }
  int n;
  do n = recvmmsg(st->fd, st->rmsgs, (unsigned)st->batch, MSG_DONTWAIT, NULL);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK) return 0;
    st->counters[C_RECV_ERRORS]++;
    // Queued ICMP errors (only reported with IP_RECVERR or on connected sockets, neither of
    // which we use) are about an earlier reply, not this socket: not worth a log line.
    if (err != ECONNREFUSED && err != EHOSTUNREACH && err != ENETUNREACH && err != ECONNRESET)
      report_errno(st, err, "recvmmsg");
    return -1;
  }
  int32_t *lens = st->meta;
  for (int j = 0; j < n; j++) {
    // A datagram longer than its slot arrives cut (MSG_TRUNC): answering half a query would be
    // wrong, so it is dropped and counted.
    if (st->rmsgs[j].msg_hdr.msg_flags & MSG_TRUNC) {
      lens[j] = -1;
      st->counters[C_TRUNCATED]++;
    } else {
      lens[j] = (int32_t)st->rmsgs[j].msg_len;
    }
  }
  st->counters[C_RECEIVED] += n;
  st->counters[C_ROUNDS]++;
  return n;
}

static int send_again(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS;
}

// sendmmsg until all are sent. A full socket buffer gets one immediate retry, then the rest of
// the batch is dropped and counted (UDP: the client retries; SPEC allows dropping under
// overload). A datagram the kernel refuses is skipped so the others still go out.
static void send_all(sock_t *st, struct mmsghdr *v, int n) {
  int done = 0, retried = 0;
  while (done < n) {
    int r = sendmmsg(st->fd, v + done, (unsigned)(n - done), MSG_DONTWAIT);
    if (r > 0) {
      done += r;
      st->counters[C_SENT] += r;
      continue;
    }
    int err = r < 0 ? errno : EIO;
    if (err == EINTR) continue;
    if (send_again(err)) {
      if (!retried) {
        retried = 1;
        continue;
      }
      st->counters[C_SEND_DROPPED] += n - done;
      return;
    }
    st->counters[C_SEND_ERRORS]++;
    done++;
  }
}

// Sends the replies JS wrote into the send arena during the last batch callback.
static void flush(sock_t *st) {
  int b = st->batch;
  int32_t *src = st->meta + b, *len = st->meta + 2 * b;
  int n = st->meta[3 * b];
  if (n <= 0) return;
  if (n > b) n = b;
  int m = 0;
  for (int k = 0; k < n; k++) {
    int i = src[k], l = len[k];
    if (i < 0 || i >= b || l < 0 || l > st->slot) { // a wrapper bug; never send garbage
      st->counters[C_SEND_ERRORS]++;
      continue;
    }
    st->smsgs[m].msg_hdr.msg_name = st->addrs + (size_t)i * ADDR_SLOT;
    st->smsgs[m].msg_hdr.msg_namelen = st->addrlen;
    st->smsgs[m].msg_hdr.msg_iov = &st->siov[m];
    st->smsgs[m].msg_hdr.msg_iovlen = 1;
    st->siov[m].iov_base = st->send + (size_t)k * st->slot;
    st->siov[m].iov_len = (size_t)l;
    m++;
  }
  st->meta[3 * b] = 0;
  if (m) send_all(st, st->smsgs, m);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  (void)events;
  sock_t *st = (sock_t *)h->data;
  if (st->closed) return;
  napi_env env = st->env;
  napi_handle_scope hs;
  if (napi_open_handle_scope(env, &hs) != napi_ok) return;
  napi_value self, fn, arg;
  napi_callback_scope cs;
  napi_get_reference_value(env, st->self, &self);
  // A callback scope around the whole wakeup: promise continuations and nextTicks queued by
  // the handler (async answers) run when it closes, as after any libuv callback in Node.
  if (napi_open_callback_scope(env, self, st->actx, &cs) != napi_ok) {
    napi_close_handle_scope(env, hs);
    return;
  }
  st->in_callback = 1;
  st->counters[C_WAKEUPS]++;
  if (status < 0) {
    // POLLERR: a pending socket error (sk_err). libuv stops the handle before calling us, so
    // read the error (which clears it), report it and poll again; a deaf listener is worse.
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    getsockopt(st->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
    st->counters[C_RECV_ERRORS]++;
    report_errno(st, soerr ? soerr : -status, "poll");
    int pr = uv_poll_start(&st->poll, UV_READABLE, on_poll);
    if (pr != 0) report_errno(st, -pr, "uv_poll_start");
  } else {
    for (int round = 0; round < MAX_ROUNDS && !st->closed; round++) {
      int n = recv_round(st);
      if (n <= 0) break;
      st->meta[3 * st->batch] = 0;
      napi_get_reference_value(env, st->on_batch, &fn);
      napi_create_int32(env, n, &arg);
      if (napi_call_function(env, self, fn, 1, &arg, NULL) == napi_pending_exception) {
        napi_value exc;
        napi_get_and_clear_last_exception(env, &exc);
        report_value(st, exc);
      }
      if (st->closed) break; // close() from inside the callback
      flush(st);
      if (n < st->batch) break; // drained, most likely: spare the recvmmsg that says EAGAIN
    }
  }
  st->in_callback = 0;
  napi_close_callback_scope(env, cs);
  if (st->destroy_pending) {
    st->destroy_pending = 0;
    napi_async_destroy(env, st->actx);
  }
  napi_close_handle_scope(env, hs);
}

static void release(napi_env env, sock_t *st);

// ---- JS API ---------------------------------------------------------------------------------

#define THROW(msg)                                  \
  do {                                              \
    napi_throw_type_error(env, "EINVAL", msg);      \
    return NULL;                                    \
  } while (0)

static int get_int(napi_env env, napi_value o, const char *k, int32_t *out) {
  napi_value v;
  return napi_get_named_property(env, o, k, &v) == napi_ok && napi_get_value_int32(env, v, out) == napi_ok;
}

static int get_ab(napi_env env, napi_value o, const char *k, size_t min, void **data) {
  napi_value v;
  size_t len;
  bool is;
  if (napi_get_named_property(env, o, k, &v) != napi_ok) return 0;
  if (napi_is_arraybuffer(env, v, &is) != napi_ok || !is) return 0;
  if (napi_get_arraybuffer_info(env, v, data, &len) != napi_ok) return 0;
  return len >= min;
}

static int get_fn(napi_env env, napi_value o, const char *k, napi_value *fn) {
  napi_valuetype t;
  return napi_get_named_property(env, o, k, fn) == napi_ok && napi_typeof(env, *fn, &t) == napi_ok && t == napi_function;
}

// open({ family: 4|6, host, port, reusePort, batch, slot, recv, send, addrs, meta, counters,
//        onBatch(n), onError(err) }) -> handle object with .port; throws a system error.
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value o, fn_batch, fn_error, hv;
  napi_get_cb_info(env, info, &argc, &o, NULL, NULL);
  if (argc < 1) THROW("open(options) expected");

  int32_t fam = 0, port = -1, batch = 0, slot = 0;
  bool reuse = false;
  char host[INET6_ADDRSTRLEN + 64];
  size_t hl = 0;
  if (!get_int(env, o, "family", &fam) || (fam != 4 && fam != 6)) THROW("family must be 4 or 6");
  if (!get_int(env, o, "port", &port) || port < 0 || port > 65535) THROW("port must be 0-65535");
  if (!get_int(env, o, "batch", &batch) || batch < 1 || batch > 1024) THROW("batch must be 1-1024");
  if (!get_int(env, o, "slot", &slot) || slot < 512 || slot > 65536) THROW("slot must be 512-65536");
  if (napi_get_named_property(env, o, "host", &hv) != napi_ok ||
      napi_get_value_string_utf8(env, hv, host, sizeof host, &hl) != napi_ok || hl == 0 || hl >= sizeof host - 1)
    THROW("host must be an IP address");
  if (napi_get_named_property(env, o, "reusePort", &hv) != napi_ok || napi_get_value_bool(env, hv, &reuse) != napi_ok)
    THROW("reusePort must be a boolean");
  if (!get_fn(env, o, "onBatch", &fn_batch) || !get_fn(env, o, "onError", &fn_error)) THROW("onBatch and onError must be functions");

  sock_t *st = (sock_t *)calloc(1, sizeof(sock_t));
  if (!st) THROW("out of memory");
  st->env = env;
  st->fd = -1;
  st->batch = batch;
  st->slot = slot;
  st->family = fam == 6 ? AF_INET6 : AF_INET;
  st->addrlen = fam == 6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  size_t arena = (size_t)batch * (size_t)slot;
  if (!get_ab(env, o, "recv", arena, (void **)&st->recv) || !get_ab(env, o, "send", arena, (void **)&st->send) ||
      !get_ab(env, o, "addrs", (size_t)batch * ADDR_SLOT, (void **)&st->addrs) ||
      !get_ab(env, o, "meta", (size_t)(3 * batch + 1) * sizeof(int32_t), (void **)&st->meta) ||
      !get_ab(env, o, "counters", C_COUNT * sizeof(double), (void **)&st->counters)) {
    free(st);
    THROW("recv, send, addrs, meta and counters must be ArrayBuffers of the sizes batch and slot imply");
  }
  st->rmsgs = calloc((size_t)batch, sizeof(struct mmsghdr));
  st->smsgs = calloc((size_t)batch, sizeof(struct mmsghdr));
  st->riov = calloc((size_t)batch, sizeof(struct iovec));
  st->siov = calloc((size_t)batch, sizeof(struct iovec));
  if (!st->rmsgs || !st->smsgs || !st->riov || !st->siov) {
    free_sock(st);
    THROW("out of memory");
  }
  for (int j = 0; j < batch; j++) {
    st->riov[j].iov_base = st->recv + (size_t)j * slot;
    st->riov[j].iov_len = (size_t)slot;
    st->rmsgs[j].msg_hdr.msg_iov = &st->riov[j];
    st->rmsgs[j].msg_hdr.msg_iovlen = 1;
    st->rmsgs[j].msg_hdr.msg_name = st->addrs + (size_t)j * ADDR_SLOT;
  }

  // Numeric host only (AI_NUMERICHOST: no DNS lookup); getaddrinfo rather than inet_pton so
  // that an IPv6 scope (fe80::1%eth0) works.
  struct addrinfo hints, *ai = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = st->family;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  char ps[8];
  snprintf(ps, sizeof ps, "%d", port);
  if (getaddrinfo(host, ps, &hints, &ai) != 0 || !ai) {
    free_sock(st);
    napi_throw(env, make_error(env, EINVAL, "bind", host, port));
    return NULL;
  }
  int err = 0;
  const char *syscall = "socket";
  int one = 1;
  int fd = socket(st->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) err = errno;
  // IPv6 sockets take IPv6 only, as UdpListener's udp6 sockets do (ipv6Only): an IPv4 client
  // reaches the IPv4 listener and is counted as such.
  if (!err && st->family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
    err = errno, syscall = "setsockopt";
  // SO_REUSEPORT: each worker process binds its own socket on the shared port and the kernel
  // spreads datagrams over them by flow hash. The kernel only groups sockets of the same user.
  // No SO_REUSEADDR: it buys a UDP server nothing (no TIME_WAIT) and would let an unrelated
  // SO_REUSEADDR socket bind over ours without EADDRINUSE.
  if (!err && reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
    err = errno, syscall = "setsockopt";
  if (!err && bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) err = errno, syscall = "bind";
  freeaddrinfo(ai);
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (!err && getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) err = errno, syscall = "getsockname";
  if (err) {
    if (fd >= 0) close(fd);
    free_sock(st);
    napi_throw(env, make_error(env, err, syscall, host, port));
    return NULL;
  }
  int bound = ntohs(st->family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
  st->fd = fd;

  uv_loop_t *loop;
  napi_value handle, pv, name;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &st->poll, fd) != 0) {
    close(fd);
    free_sock(st);
    THROW("uv_poll_init failed");
  }
  st->poll.data = st;
  napi_create_object(env, &handle);
  napi_create_int32(env, bound, &pv);
  napi_set_named_property(env, handle, "port", pv);
  napi_create_string_utf8(env, "clusterdns:udp", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, handle, name, &st->actx);
  napi_create_reference(env, handle, 1, &st->self);
  napi_create_reference(env, o, 1, &st->keep);
  napi_create_reference(env, fn_batch, 1, &st->on_batch);
  napi_create_reference(env, fn_error, 1, &st->on_error);
  if (napi_wrap(env, handle, st, finalize, NULL, NULL) != napi_ok) {
    // Not expected; keep it simple and leak nothing that libuv still uses.
    close_native(st);
    THROW("napi_wrap failed");
  }
  napi_add_env_cleanup_hook(env, env_cleanup, st);
  int pr = uv_poll_start(&st->poll, UV_READABLE, on_poll);
  if (pr != 0) {
    napi_value e = make_error(env, -pr, "uv_poll_start", host, port);
    release(env, st);
    napi_throw(env, e);
    return NULL;
  }
  return handle;
}

static sock_t *unwrap_sock(napi_env env, napi_value h) {
  void *p = NULL;
  if (napi_unwrap(env, h, &p) != napi_ok) return NULL;
  return (sock_t *)p;
}

// sendTo(handle, data: Uint8Array, token: Uint8Array) -> 1 sent, 0 dropped or closed.
// The token is a copy of the client's sockaddr slot (fast-udp.ts takes it for async answers).
static napi_value js_send_to(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3], r;
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  if (argc < 3) THROW("sendTo(handle, data, token) expected");
  sock_t *st = unwrap_sock(env, a[0]);
  if (!st) THROW("not a socket handle");
  void *data, *tok;
  size_t len, tlen;
  napi_typedarray_type t1, t2;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, a[1], &t1, &len, &data, &ab, &off) != napi_ok || t1 != napi_uint8_array)
    THROW("data must be a Uint8Array");
  if (napi_get_typedarray_info(env, a[2], &t2, &tlen, &tok, &ab, &off) != napi_ok || t2 != napi_uint8_array || tlen < st->addrlen)
    THROW("token must be an address token");
  int sent = 0;
  if (!st->closed) {
    int retried = 0;
    for (;;) {
      ssize_t n = sendto(st->fd, data, len, MSG_DONTWAIT, (struct sockaddr *)tok, st->addrlen);
      if (n >= 0) {
        sent = 1;
        st->counters[C_SENT]++;
        break;
      }
      if (errno == EINTR) continue;
      if (send_again(errno) && !retried) {
        retried = 1;
        continue;
      }
      st->counters[send_again(errno) ? C_SEND_DROPPED : C_SEND_ERRORS]++;
      break;
    }
  }
  napi_create_int32(env, sent, &r);
  return r;
}

// Closes the socket now and drops every reference to JS values; idempotent.
static void release(napi_env env, sock_t *st) {
  if (st->closed) return;
  close_native(st);
  napi_remove_env_cleanup_hook(env, env_cleanup, st);
  napi_delete_reference(env, st->on_batch);
  napi_delete_reference(env, st->on_error);
  napi_delete_reference(env, st->keep);
  napi_delete_reference(env, st->self);
  st->on_batch = st->on_error = st->keep = st->self = NULL;
  // Inside the batch callback the async context still backs the open callback scope.
  if (st->in_callback) st->destroy_pending = 1;
  else napi_async_destroy(env, st->actx);
}

// close(handle): stops polling and closes the socket now; idempotent.
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value h;
  napi_get_cb_info(env, info, &argc, &h, NULL, NULL);
  if (argc < 1) THROW("close(handle) expected");
  sock_t *st = unwrap_sock(env, h);
  if (!st) THROW("not a socket handle");
  release(env, st);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor d[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendTo", NULL, js_send_to, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  napi_value v;
  napi_create_int32(env, ADDR_SLOT, &v);
  napi_set_named_property(env, exports, "ADDR_SLOT", v);
  napi_create_int32(env, C_COUNT, &v);
  napi_set_named_property(env, exports, "COUNTERS", v);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
