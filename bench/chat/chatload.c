/*
 * chatload: load generator for ActorNet's chat handler (every line a client sends goes to every other chat
 * client, on every node of a cluster). One thread, level-triggered epoll, non-blocking sockets, loopback only.
 *
 * Modes
 *   bcast  one sender, receivers spread over one or more ports (--recv PORT:N, repeatable; the sender connects
 *          to --send-port). The sender writes --rate lines/s of --size bytes (with the '\n'), each carrying its
 *          sequence number and its send time (CLOCK_MONOTONIC, ns). Every receiver checks the sequence (loss,
 *          duplicates, reordering) and computes the latency on arrival. Setup: connect everything, then the sender
 *          sends sync lines until every receiver has seen one (so every subscription is in place on every node),
 *          then the load starts: --warmup s, a measured window of --duration s, then the sender stops and the
 *          receivers get --drain-timeout s to catch up. Over the window: lines delivered (sum over receivers,
 *          counted on arrival), latency of the lines sent in the window, server CPU (utime+stime of every
 *          --server-pid from /proc/PID/stat), the backlog (lines sent but not yet received, over all receivers).
 *   idle   --conns N chat connections to --port; one of them sends a line and the others must receive it (so
 *          every connection is accepted and subscribed), then they are held --settle s. Server RSS
 *          (/proc/PID/status VmRSS of --server-pid) before connecting and at the end of the hold.
 *   hold   --conns N chat connections, verified as in idle, then "READY <realtime s>" on stdout; the connections
 *          are never closed by us. Records when the server ends them (FIN, reset) in CLOCK_REALTIME, and exits
 *          once every connection was ended and --server-pid (if given) is gone, or after --max-hold s.
 * Helpers: --free-port, --probe --port P, --rss PID.
 * The last line of the output is one JSON object.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000ull
#define MS 1000000ull
#define MAXEV 1024
#define RBUF 65536
#define CARRY 2048
#define MAXGROUPS 8
#define MAXPIDS 8
#define CONNECT_PAR 128
#define TAG_TIMER 0xffffffffu

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static double real_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *msg)
{
    fprintf(stderr, "chatload: %s\n", msg);
    exit(2);
}

/* ---- histogram: log-linear, <= 1.6 % bucket width, values in ns (as echoload's) ---- */
#define HBUCKETS (128 + 57 * 64)
struct hist {
    uint64_t b[HBUCKETS];
    uint64_t n, sum, max;
};

static inline int hidx(uint64_t v)
{
    if (v < 128)
        return (int)v;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - 6;
    return 128 + (shift - 1) * 64 + (int)((v >> shift) - 64);
}

static inline uint64_t hval(int i)
{
    if (i < 128)
        return (uint64_t)i;
    int k = i - 128, shift = k / 64 + 1;
    uint64_t m = 64 + (uint64_t)(k % 64);
    return (m << shift) + ((1ull << shift) >> 1);
}

static inline void hist_add(struct hist *h, uint64_t v)
{
    h->b[hidx(v)]++;
    h->n++;
    h->sum += v;
    if (v > h->max)
        h->max = v;
}

static double hist_pct_us(const struct hist *h, double p)
{
    if (!h->n)
        return 0;
    uint64_t want = (uint64_t)(p * (double)h->n);
    if ((double)want < p * (double)h->n)
        want++;
    if (want < 1)
        want = 1;
    uint64_t acc = 0;
    for (int i = 0; i < HBUCKETS; i++) {
        acc += h->b[i];
        if (acc >= want) {
            uint64_t v = hval(i);
            return (double)(v > h->max ? h->max : v) / 1000.0;
        }
    }
    return (double)h->max / 1000.0;
}

/* ---- options ---- */
enum { M_BCAST, M_IDLE, M_HOLD };
static struct {
    int mode;
    const char *host;
    int ngroups;
    int gport[MAXGROUPS], gconns[MAXGROUPS];
    int send_port;
    double rate;
    int size;
    double warmup, duration, drain_timeout, sync_timeout, settle, max_hold;
    int npids;
    int pids[MAXPIDS];
    int verbose;
} O = {.mode = M_BCAST, .host = "127.0.0.1", .rate = 100, .size = 64, .warmup = 5, .duration = 10,
       .drain_timeout = 10, .sync_timeout = 60, .settle = 5, .max_hold = 120};

/* ---- connections ---- */
enum { C_CONNECTING, C_OPEN, C_DONE };
struct conn {
    int fd;
    int state;
    int group;       /* -1: the sender */
    int synced;      /* saw a sync/verify line */
    uint64_t next_seq;
    uint64_t got;    /* data lines received */
    int clen;
    char carry[CARRY];
    /* hold mode */
    double eof_at, rst_at;
    /* sender */
    char *out;
    size_t olen, ocap;
};

static struct conn *C;
static int NC;            /* receivers are C[0..NC-1]; in bcast the sender is C[NC] */
static struct conn *SND;
static int EP;
static char RB[CARRY + RBUF];

/* counters */
static struct {
    uint64_t connect_err, reset, eof, mismatch, dup, lost, toolong, sender_eagain;
    uint64_t sync_lines_sent;
    size_t sender_max_outq;
} E;

static uint64_t sent;                    /* data lines sent */
static uint64_t total_data_recv;         /* over all receivers */
static uint64_t T_ws, T_we;              /* measured window */
static int in_load;                      /* receivers count D lines only once the load started */
static uint64_t win_delivered, win_delivered_g[MAXGROUPS];
static uint64_t sent_at_ws, sent_at_we;
static struct hist H, HG[MAXGROUPS];
static uint64_t late_lines;               /* window lines that arrived after the window */

static uint64_t proc_ticks(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r <= 0)
        return 0;
    buf[r] = 0;
    char *rp = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    if (!rp || sscanf(rp + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return ut + st;
}

static long proc_rss_kb(int pid)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r <= 0)
        return -1;
    buf[r] = 0;
    char *p = strstr(buf, "VmRSS:");
    return p ? atol(p + 6) : 0;
}

static int pid_alive(int pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r <= 0)
        return 0;
    buf[r] = 0;
    char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

struct snap {
    uint64_t t;
    uint64_t srv[MAXPIDS];
    unsigned long long busy_all;   /* /proc/stat busy ticks, all CPUs */
    double self_s;
    unsigned long long self_wait_ns;  /* run-queue wait of this (one-thread) process, /proc/self/schedstat */
};

static void take_snap(struct snap *s)
{
    memset(s, 0, sizeof *s);
    s->t = now_ns();
    for (int i = 0; i < O.npids; i++)
        s->srv[i] = proc_ticks(O.pids[i]);
    FILE *f = fopen("/proc/stat", "r");
    if (f) {
        unsigned long long v[8] = {0};
        if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                   &v[6], &v[7]) == 8)
            s->busy_all = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
        fclose(f);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    s->self_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    f = fopen("/proc/self/schedstat", "r");
    if (f) {
        unsigned long long run = 0, wait = 0;
        if (fscanf(f, "%llu %llu", &run, &wait) == 2)
            s->self_wait_ns = wait;
        fclose(f);
    }
}

/* ---- sockets ---- */
static int is_loopback_v4(const char *host, struct sockaddr_in *sa)
{
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return 0;
    return (ntohl(sa->sin_addr.s_addr) >> 24) == 127;
}

static struct sockaddr_in addr_for(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (!is_loopback_v4(O.host, &sa)) {
        fprintf(stderr, "chatload: refusing non-loopback or non-IPv4 target '%s'\n", O.host);
        exit(2);
    }
    return sa;
}

static void ep_set(struct conn *c, uint32_t ev, int op)
{
    struct epoll_event e = {.events = ev, .data.u32 = (uint32_t)(c - C)};
    if (epoll_ctl(EP, op, c->fd, &e) < 0 && op != EPOLL_CTL_DEL)
        die("epoll_ctl");
}

static uint32_t open_events(struct conn *c)
{
    uint32_t ev = EPOLLIN | EPOLLRDHUP;
    if (O.mode == M_HOLD)
        ev |= EPOLLET;
    if (c->olen)
        ev |= EPOLLOUT;
    return ev;
}

static void start_connect(struct conn *c, int port)
{
    struct sockaddr_in sa = addr_for(port);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        die("socket() failed (open files limit?)");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->state = C_CONNECTING;
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
        fprintf(stderr, "chatload: connect to port %d: %s\n", port, strerror(errno));
        exit(1);
    }
    ep_set(c, EPOLLOUT, EPOLL_CTL_ADD);
}

static void conn_fail(struct conn *c, int kind_reset)
{
    if (c->state == C_DONE)
        return;
    if (kind_reset)
        E.reset++;
    else
        E.eof++;
    epoll_ctl(EP, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->state = C_DONE;
}

static void sender_flush(struct conn *c)
{
    while (c->olen) {
        ssize_t w = write(c->fd, c->out, c->olen);
        if (w < 0) {
            if (errno == EAGAIN) {
                E.sender_eagain++;
                break;
            }
            if (errno == EINTR)
                continue;
            fprintf(stderr, "chatload: sender write: %s\n", strerror(errno));
            conn_fail(c, 1);
            return;
        }
        memmove(c->out, c->out + w, c->olen - (size_t)w);
        c->olen -= (size_t)w;
    }
    ep_set(c, open_events(c), EPOLL_CTL_MOD);
}

static void sender_append(struct conn *c, char type, uint64_t seq, uint64_t t)
{
    size_t sz = (size_t)O.size;
    if (c->olen + sz > c->ocap) {
        c->ocap = c->ocap ? c->ocap * 2 : 65536;
        if (c->ocap > (64u << 20))
            die("the sender's queue passed 64 MiB: the server does not read from the sender");
        c->out = realloc(c->out, c->ocap);
        if (!c->out)
            die("out of memory");
    }
    char *p = c->out + c->olen;
    char head[40];
    snprintf(head, sizeof head, "%c %016llx %016llx ", type, (unsigned long long)seq, (unsigned long long)t);
    memcpy(p, head, 36);
    memset(p + 36, 'x', sz - 37);
    p[sz - 1] = '\n';
    c->olen += sz;
    if (c->olen > E.sender_max_outq)
        E.sender_max_outq = c->olen;
}

static inline uint64_t hex16(const char *s)
{
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) {
        char ch = s[i];
        v = (v << 4) | (uint64_t)(ch <= '9' ? ch - '0' : ch - 'a' + 10);
    }
    return v;
}

static void on_line(struct conn *c, const char *l, size_t len, uint64_t tarr)
{
    if (len != (size_t)O.size - 1 || l[1] != ' ' || l[18] != ' ' || l[35] != ' ') {
        E.mismatch++;
        return;
    }
    if (l[0] == 'Y') {
        c->synced = 1;
        return;
    }
    if (l[0] != 'D' || !in_load) {
        E.mismatch++;
        return;
    }
    uint64_t seq = hex16(l + 2), ts = hex16(l + 19);
    if (seq < c->next_seq) {
        E.dup++;
        return;
    }
    if (seq > c->next_seq)
        E.lost += seq - c->next_seq;
    c->next_seq = seq + 1;
    c->got++;
    total_data_recv++;
    if (tarr >= T_ws && tarr < T_we) {
        win_delivered++;
        win_delivered_g[c->group]++;
    }
    if (ts >= T_ws && ts < T_we) {
        uint64_t lat = tarr > ts ? tarr - ts : 0;
        hist_add(&H, lat);
        hist_add(&HG[c->group], lat);
        if (tarr >= T_we)
            late_lines++;
    }
}

static void on_readable(struct conn *c, uint64_t tarr)
{
    for (;;) {
        if (c->clen)
            memcpy(RB, c->carry, (size_t)c->clen);
        ssize_t r = read(c->fd, RB + c->clen, RBUF);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return;
            if (O.mode == M_HOLD) {
                if (!c->rst_at)
                    c->rst_at = real_s();
                epoll_ctl(EP, EPOLL_CTL_DEL, c->fd, NULL);
                c->state = C_DONE;
                return;
            }
            conn_fail(c, 1);
            return;
        }
        if (r == 0) {
            if (O.mode == M_HOLD) {
                /* we never close: note the FIN and wait for whatever comes next (a reset) */
                if (!c->eof_at)
                    c->eof_at = real_s();
                return;
            }
            conn_fail(c, 0);
            return;
        }
        size_t n = (size_t)c->clen + (size_t)r, start = 0;
        char *nl;
        while ((nl = memchr(RB + start, '\n', n - start))) {
            on_line(c, RB + start, (size_t)(nl - (RB + start)), tarr);
            start = (size_t)(nl - RB) + 1;
        }
        size_t rest = n - start;
        if (rest > CARRY) {
            E.toolong++;
            rest = 0;
        }
        memmove(c->carry, RB + start, rest);
        c->clen = (int)rest;
        if (O.mode != M_HOLD)
            return;      /* level-triggered: one read per event */
    }
}

static void on_event(struct epoll_event *e, uint64_t tarr)
{
    struct conn *c = &C[e->data.u32];
    if (c->state == C_DONE)
        return;
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) {
            fprintf(stderr, "chatload: connect: %s\n", strerror(err));
            E.connect_err++;
            epoll_ctl(EP, EPOLL_CTL_DEL, c->fd, NULL);
            close(c->fd);
            c->state = C_DONE;
            return;
        }
        c->state = C_OPEN;
        ep_set(c, open_events(c), EPOLL_CTL_MOD);
        return;
    }
    if (e->events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        on_readable(c, tarr);
    if (c->state == C_OPEN && (e->events & EPOLLOUT) && c->olen)
        sender_flush(c);
}

static int poll_once(int timeout_ms, int timer_fd, uint64_t *timer_expired)
{
    struct epoll_event ev[MAXEV];
    int n = epoll_wait(EP, ev, MAXEV, timeout_ms);
    if (n < 0) {
        if (errno == EINTR)
            return 0;
        die("epoll_wait");
    }
    uint64_t tarr = now_ns();     /* one arrival time per batch: the client's own work on the batch is not latency */
    for (int i = 0; i < n; i++) {
        if (ev[i].data.u32 == TAG_TIMER) {
            uint64_t k = 0;
            if (read(timer_fd, &k, sizeof k) == sizeof k && timer_expired)
                *timer_expired += k;
            continue;
        }
        on_event(&ev[i], tarr);
    }
    return n;
}

static int count_state(int st, int from, int to)
{
    int k = 0;
    for (int i = from; i < to; i++)
        k += C[i].state == st;
    return k;
}

/* Open C[0..total-1] (port_of(i) gives each its port), at most CONNECT_PAR connecting at once. */
static void connect_all(int total, int (*port_of)(int))
{
    int next = 0;
    uint64_t deadline = now_ns() + 60 * NS;
    for (;;) {
        int connecting = 0, open_ = 0;
        for (int i = 0; i < next; i++) {
            connecting += C[i].state == C_CONNECTING;
            open_ += C[i].state == C_OPEN;
        }
        while (next < total && connecting < CONNECT_PAR) {
            start_connect(&C[next], port_of(next));
            next++;
            connecting++;
        }
        if (open_ == total)
            return;
        if (E.connect_err)
            die("connect failed");
        if (now_ns() > deadline)
            die("connecting took over 60 s");
        poll_once(10, -1, NULL);
    }
}

static int port_of_bcast(int i)
{
    if (i == NC)
        return O.send_port;
    int acc = 0;
    for (int g = 0; g < O.ngroups; g++) {
        acc += O.gconns[g];
        if (i < acc)
            return O.gport[g];
    }
    return O.gport[0];
}

static int port_of_single(int i)
{
    (void)i;
    return O.gport[0];
}

/* The sender sends sync lines ('Y') every 100 ms until every receiver saw one. */
static double sync_receivers(struct conn *sender, int from, int to, double timeout_s)
{
    uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)(timeout_s * NS), next = t0;
    for (;;) {
        uint64_t t = now_ns();
        if (count_state(C_OPEN, from, to) != to - from) {
            fprintf(stderr, "chatload: a connection was closed during setup\n");
            exit(1);
        }
        int synced = 0;
        for (int i = from; i < to; i++)
            synced += C[i].synced;
        if (synced == to - from)
            return (double)(t - t0) / 1e9;
        if (t > deadline) {
            fprintf(stderr, "chatload: only %d of %d receivers saw a sync line within %.0f s\n", synced, to - from,
                    timeout_s);
            exit(1);
        }
        if (t >= next) {
            sender_append(sender, 'Y', E.sync_lines_sent++, t);
            sender_flush(sender);
            next = t + 100 * MS;
        }
        poll_once(10, -1, NULL);
    }
}

/* ------------------------------------------------------------------ */
static int run_bcast(void)
{
    NC = 0;
    for (int g = 0; g < O.ngroups; g++)
        NC += O.gconns[g];
    if (NC < 1 || !O.send_port)
        die("bcast needs --recv PORT:N and --send-port");
    if (O.rate <= 0 || O.rate > 1e6)
        die("--rate must be in (0, 1e6]");
    C = calloc((size_t)NC + 1, sizeof *C);
    for (int i = 0, g = 0, acc = 0; i < NC; i++) {
        while (i >= acc + O.gconns[g])
            acc += O.gconns[g++];
        C[i].group = g;
    }
    C[NC].group = -1;
    SND = &C[NC];
    uint64_t ts0 = now_ns();
    connect_all(NC + 1, port_of_bcast);
    double connect_s = (double)(now_ns() - ts0) / 1e9;
    double sync_s = sync_receivers(SND, 0, NC, O.sync_timeout);
    /* sync lines still in flight arrive before any data line (one publisher: order is kept); let them pass */
    uint64_t settle_end = now_ns() + 300 * MS;
    while (now_ns() < settle_end)
        poll_once(10, -1, NULL);

    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    uint64_t period = (uint64_t)(1e9 / O.rate);
    if (period < 1000)
        period = 1000;
    struct itimerspec its = {.it_interval = {(time_t)(period / NS), (long)(period % NS)},
                             .it_value = {(time_t)(period / NS), (long)(period % NS)}};
    struct epoll_event te = {.events = EPOLLIN, .data.u32 = TAG_TIMER};
    epoll_ctl(EP, EPOLL_CTL_ADD, tfd, &te);
    uint64_t T0 = now_ns();
    T_ws = T0 + (uint64_t)(O.warmup * NS);
    T_we = T_ws + (uint64_t)(O.duration * NS);
    in_load = 1;
    timerfd_settime(tfd, 0, &its, NULL);
    struct snap sa, sb;
    int have_a = 0, have_b = 0;
    uint64_t backlog_ws = 0, backlog_we = 0, backlog_max = 0, maxlag_we = 0;
    for (;;) {
        uint64_t due = 0;
        uint64_t t = now_ns();
        int wait_ms = 10;
        if (!have_a && T_ws > t && (T_ws - t) / MS < 10)
            wait_ms = (int)((T_ws - t) / MS);
        if (!have_b && T_we > t && (T_we - t) / MS < 10)
            wait_ms = (int)((T_we - t) / MS);
        poll_once(wait_ms, tfd, &due);
        t = now_ns();
        if (due && t < T_we) {
            for (uint64_t k = 0; k < due; k++)
                sender_append(SND, 'D', sent++, now_ns());
            sender_flush(SND);
        }
        if (SND->state != C_OPEN)
            die("the sender's connection was closed");
        uint64_t backlog = (uint64_t)NC * sent - total_data_recv;
        if (!have_a && t >= T_ws) {
            take_snap(&sa);
            have_a = 1;
            sent_at_ws = sent;
            backlog_ws = backlog;
        }
        if (have_a && !have_b && backlog > backlog_max)
            backlog_max = backlog;
        if (!have_b && t >= T_we) {
            take_snap(&sb);
            have_b = 1;
            sent_at_we = sent;
            backlog_we = backlog;
            for (int i = 0; i < NC; i++)
                if (sent - C[i].next_seq > maxlag_we)
                    maxlag_we = sent - C[i].next_seq;
            break;
        }
    }
    struct itimerspec off = {0};
    timerfd_settime(tfd, 0, &off, NULL);
    /* drain: every receiver should get every line sent */
    uint64_t td0 = now_ns(), tdl = td0 + (uint64_t)(O.drain_timeout * NS);
    while (SND->olen || total_data_recv + E.lost < (uint64_t)count_state(C_OPEN, 0, NC) * sent) {
        if (now_ns() > tdl)
            break;
        poll_once(10, -1, NULL);
    }
    double drain_ms = (double)(now_ns() - td0) / 1e6;
    uint64_t missing = 0;
    for (int i = 0; i < NC; i++)
        if (C[i].state == C_OPEN)
            missing += sent - C[i].next_seq;
    int closed = NC - count_state(C_OPEN, 0, NC);

    double win_s = (double)(sb.t - sa.t) / 1e9;
    long hz = sysconf(_SC_CLK_TCK);
    double srv_s[MAXPIDS], srv_total = 0;
    for (int i = 0; i < O.npids; i++) {
        srv_s[i] = (double)(sb.srv[i] - sa.srv[i]) / (double)hz;
        srv_total += srv_s[i];
    }
    double cli_s = sb.self_s - sa.self_s;
    double busy_s = (double)(sb.busy_all - sa.busy_all) / (double)hz;
    double other_pct = (busy_s - cli_s - srv_total) / win_s * 100;
    /* chatload's time runnable but not running: how much the rest of the machine got in its way */
    double cli_wait_pct = (double)(sb.self_wait_ns - sa.self_wait_ns) / 1e9 / win_s * 100;
    uint64_t win_sent = sent_at_we - sent_at_ws;
    double offered = (double)win_sent * NC;
    double ratio = offered > 0 ? (double)win_delivered / offered : 0;
    double us_per_line = win_delivered ? srv_total * 1e6 / (double)win_delivered : 0;
    uint64_t errors = E.connect_err + E.reset + E.eof + E.mismatch + E.dup + E.lost + E.toolong + missing;
    int keeps_up = errors == 0 && ratio >= 0.99 && hist_pct_us(&H, 0.99) < 100000 && drain_ms < 1000;

    printf("chatload bcast: %d receivers (", NC);
    for (int g = 0; g < O.ngroups; g++)
        printf("%s%d on port %d", g ? ", " : "", O.gconns[g], O.gport[g]);
    printf("), sender on port %d, %.0f lines/s of %d B; connect %.2f s, sync %.2f s\n", O.send_port, O.rate, O.size,
           connect_s, sync_s);
    printf("  window %.2f s: sent %llu lines, delivered %llu (%.0f lines/s, %.4f of sent x receivers)\n", win_s,
           (unsigned long long)win_sent, (unsigned long long)win_delivered, (double)win_delivered / win_s, ratio);
    printf("  latency (lines sent in the window, %llu): p50 %.0f us  p90 %.0f  p99 %.0f  p99.9 %.0f  max %.0f\n",
           (unsigned long long)H.n, hist_pct_us(&H, .5), hist_pct_us(&H, .9), hist_pct_us(&H, .99),
           hist_pct_us(&H, .999), H.max / 1000.0);
    for (int g = 0; g < O.ngroups; g++)
        printf("    port %d: p50 %.0f us  p99 %.0f  max %.0f  delivered %llu\n", O.gport[g], hist_pct_us(&HG[g], .5),
               hist_pct_us(&HG[g], .99), HG[g].max / 1000.0, (unsigned long long)win_delivered_g[g]);
    printf("  backlog (lines sent, not yet received, all receivers): window start %llu, end %llu, max %llu; "
           "worst receiver at the end %llu lines behind; drain %.0f ms\n",
           (unsigned long long)backlog_ws, (unsigned long long)backlog_we, (unsigned long long)backlog_max,
           (unsigned long long)maxlag_we, drain_ms);
    printf("  server CPU %.3f s (", srv_total);
    for (int i = 0; i < O.npids; i++)
        printf("%spid %d %.3f s", i ? ", " : "", O.pids[i], srv_s[i]);
    printf(") = %.2f us per delivered line; chatload CPU %.0f%% (waited for a CPU %.1f%% of the window); "
           "other CPU %.0f%% of one core\n", us_per_line, cli_s / win_s * 100, cli_wait_pct, other_pct);
    printf("  errors: connect %llu reset %llu eof %llu mismatch %llu dup %llu lost %llu missing-after-drain %llu; "
           "closed receivers %d; sender EAGAIN %llu, max queue %zu B\n",
           (unsigned long long)E.connect_err, (unsigned long long)E.reset, (unsigned long long)E.eof,
           (unsigned long long)E.mismatch, (unsigned long long)E.dup, (unsigned long long)E.lost,
           (unsigned long long)missing, closed, (unsigned long long)E.sender_eagain, E.sender_max_outq);
    printf("{\"mode\":\"bcast\",\"receivers\":%d,\"rate\":%.1f,\"size\":%d,\"window_s\":%.3f,\"sent\":%llu,"
           "\"delivered\":%llu,\"delivered_per_s\":%.1f,\"ratio\":%.5f,\"p50_us\":%.1f,\"p90_us\":%.1f,"
           "\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,\"lat_n\":%llu,\"late_lines\":%llu,",
           NC, O.rate, O.size, win_s, (unsigned long long)win_sent, (unsigned long long)win_delivered,
           (double)win_delivered / win_s, ratio, hist_pct_us(&H, .5), hist_pct_us(&H, .9), hist_pct_us(&H, .99),
           hist_pct_us(&H, .999), H.max / 1000.0, (unsigned long long)H.n, (unsigned long long)late_lines);
    printf("\"groups\":[");
    for (int g = 0; g < O.ngroups; g++)
        printf("%s{\"port\":%d,\"conns\":%d,\"delivered\":%llu,\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f}",
               g ? "," : "", O.gport[g], O.gconns[g], (unsigned long long)win_delivered_g[g],
               hist_pct_us(&HG[g], .5), hist_pct_us(&HG[g], .99), HG[g].max / 1000.0);
    printf("],\"srv_cpu_s\":[");
    for (int i = 0; i < O.npids; i++)
        printf("%s%.3f", i ? "," : "", srv_s[i]);
    printf("],\"srv_cpu_total_s\":%.3f,\"srv_us_per_line\":%.3f,\"srv_cpu_pct\":%.1f,\"cli_cpu_pct\":%.1f,"
           "\"cli_wait_pct\":%.2f,\"other_pct\":%.1f,\"backlog_ws\":%llu,\"backlog_we\":%llu,\"backlog_max\":%llu,\"maxlag_we\":%llu,"
           "\"drain_ms\":%.1f,\"connect_s\":%.3f,\"sync_s\":%.3f,\"err_connect\":%llu,\"err_reset\":%llu,"
           "\"err_eof\":%llu,\"err_mismatch\":%llu,\"err_dup\":%llu,\"err_lost\":%llu,\"missing\":%llu,"
           "\"closed\":%d,\"sender_eagain\":%llu,\"sender_max_outq\":%zu,\"errors\":%llu,\"keeps_up\":%s}\n",
           srv_total, us_per_line, srv_total / win_s * 100, cli_s / win_s * 100, cli_wait_pct, other_pct,
           (unsigned long long)backlog_ws, (unsigned long long)backlog_we, (unsigned long long)backlog_max,
           (unsigned long long)maxlag_we, drain_ms, connect_s, sync_s, (unsigned long long)E.connect_err,
           (unsigned long long)E.reset, (unsigned long long)E.eof, (unsigned long long)E.mismatch,
           (unsigned long long)E.dup, (unsigned long long)E.lost, (unsigned long long)missing, closed,
           (unsigned long long)E.sender_eagain, E.sender_max_outq, (unsigned long long)errors,
           keeps_up ? "true" : "false");
    for (int i = 0; i <= NC; i++)
        if (C[i].state != C_DONE)
            close(C[i].fd);
    return errors ? 1 : 0;
}

/* ------------------------------------------------------------------ */
static long rss_sum(void)
{
    long s = 0;
    for (int i = 0; i < O.npids; i++) {
        long r = proc_rss_kb(O.pids[i]);
        if (r > 0)
            s += r;
    }
    return s;
}

/* idle and hold: conns C[0..N-1] to one port; C[0] sends one line that C[1..N-1] must receive. */
static double open_and_verify(int n)
{
    NC = n;
    C = calloc((size_t)n, sizeof *C);
    uint64_t t0 = now_ns();
    connect_all(n, port_of_single);
    C[0].group = -1;
    sync_receivers(&C[0], 1, n, O.sync_timeout);
    return (double)(now_ns() - t0) / 1e9;
}

static int run_idle(void)
{
    if (O.npids < 1)
        die("idle needs --server-pid");
    long before = rss_sum();
    int n = O.gconns[0];
    double setup_s = open_and_verify(n);
    uint64_t end = now_ns() + (uint64_t)(O.settle * NS), next = 0;
    long hold = 0, lo = -1, hi = 0;
    while (now_ns() < end) {
        if (now_ns() >= next) {
            hold = rss_sum();
            if (lo < 0 || hold < lo)
                lo = hold;
            if (hold > hi)
                hi = hold;
            next = now_ns() + 500 * MS;
        }
        poll_once(50, -1, NULL);
    }
    hold = rss_sum();
    int open_ = count_state(C_OPEN, 0, n);
    double kib = (double)(hold - before) / n;
    printf("chatload idle: %d connections to port %d (setup and verify %.2f s, %d still open after %.0f s)\n", n,
           O.gport[0], setup_s, open_, O.settle);
    printf("  server RSS before %ld KiB, held %ld KiB (min %ld, max %ld during the hold): %.2f KiB per connection\n",
           before, hold, lo, hi, kib);
    printf("{\"mode\":\"idle\",\"conns\":%d,\"setup_s\":%.3f,\"settle_s\":%.1f,\"rss_before_kb\":%ld,"
           "\"rss_hold_kb\":%ld,\"rss_hold_min_kb\":%ld,\"rss_hold_max_kb\":%ld,\"kib_per_conn\":%.3f,\"open\":%d,"
           "\"errors\":%llu}\n",
           n, setup_s, O.settle, before, hold, lo, hi, kib, open_,
           (unsigned long long)(E.reset + E.eof + E.mismatch + (uint64_t)(n - open_)));
    return open_ == n ? 0 : 1;
}

static int run_hold(void)
{
    int n = O.gconns[0];
    double setup_s = open_and_verify(n);
    /* from here on edge-triggered, and we never close */
    for (int i = 0; i < n; i++)
        if (C[i].state == C_OPEN)
            ep_set(&C[i], open_events(&C[i]), EPOLL_CTL_MOD);
    printf("READY %.6f\n", real_s());
    fflush(stdout);
    double deadline = real_s() + O.max_hold;
    for (;;) {
        poll_once(20, -1, NULL);
        int ended = 0, rst = 0;
        for (int i = 0; i < n; i++) {
            /* after the FIN, read() returns 0 even once a reset came: look at the TCP state */
            if (C[i].eof_at && !C[i].rst_at) {
                struct tcp_info ti;
                socklen_t tl = sizeof ti;
                if (getsockopt(C[i].fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0 && ti.tcpi_state == TCP_CLOSE)
                    C[i].rst_at = real_s();
            }
            ended += C[i].eof_at || C[i].rst_at;
            rst += C[i].rst_at != 0;
        }
        int srv_gone = O.npids > 0 && !pid_alive(O.pids[0]);
        if (rst == n || (ended == n && (O.npids == 0 || srv_gone)) || (srv_gone && ended == n))
            break;
        if (real_s() > deadline)
            break;
    }
    /* sockets still open: look at their state once more (a reset seen now) */
    double first_eof = 0, last_eof = 0, first_rst = 0, last_rst = 0;
    int neof = 0, nrst = 0, nnone = 0;
    for (int i = 0; i < n; i++) {
        struct conn *c = &C[i];
        if (c->eof_at) {
            neof++;
            if (!first_eof || c->eof_at < first_eof)
                first_eof = c->eof_at;
            if (c->eof_at > last_eof)
                last_eof = c->eof_at;
        }
        if (c->rst_at) {
            nrst++;
            if (!first_rst || c->rst_at < first_rst)
                first_rst = c->rst_at;
            if (c->rst_at > last_rst)
                last_rst = c->rst_at;
        }
        if (!c->eof_at && !c->rst_at)
            nnone++;
    }
    printf("chatload hold: %d connections (setup %.2f s): %d got FIN, %d got a reset, %d never ended\n", n, setup_s,
           neof, nrst, nnone);
    printf("{\"mode\":\"hold\",\"conns\":%d,\"setup_s\":%.3f,\"fin\":%d,\"rst\":%d,\"none\":%d,\"first_fin\":%.6f,"
           "\"last_fin\":%.6f,\"first_rst\":%.6f,\"last_rst\":%.6f}\n",
           n, setup_s, neof, nrst, nnone, first_eof, last_eof, first_rst, last_rst);
    return nnone ? 1 : 0;
}

/* ------------------------------------------------------------------ */
static int cmd_free_port(void)
{
    srand((unsigned)(now_ns() ^ (uint64_t)getpid() * 2654435761u));
    int lo = 32768;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f) {
        int a, b;
        if (fscanf(f, "%d %d", &a, &b) == 2)
            lo = a;
        fclose(f);
    }
    int base = lo - 12000;
    if (base < 1024)
        base = 1024;
    for (int tries = 0; tries < 200; tries++) {
        int p = base + rand() % (lo - base);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
        close(fd);
        if (ok) {
            printf("%d\n", p);
            return 0;
        }
    }
    return 1;
}

static int cmd_probe(int port)
{
    struct sockaddr_in sa = addr_for(port);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok ? 0 : 1;
}

static void raise_nofile(rlim_t need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
        fprintf(stderr, "chatload: need %lu file descriptors, limit is %lu\n", (unsigned long)need,
                (unsigned long)rl.rlim_cur);
        exit(2);
    }
}

static void usage(void)
{
    fputs("usage: chatload --mode bcast --recv PORT:N [--recv PORT:N ...] --send-port PORT [--rate LINES_PER_S]\n"
          "                [--size BYTES] [--warmup S] [--duration S] [--drain-timeout S] [--server-pid PID ...]\n"
          "       chatload --mode idle --port PORT --conns N --server-pid PID [--settle S]\n"
          "       chatload --mode hold --port PORT --conns N [--server-pid PID] [--max-hold S]\n"
          "       chatload --free-port | --probe --port PORT | --rss PID\n"
          "common: --host 127.0.0.1 (loopback only), --sync-timeout S [60]\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    enum { OPT_MODE = 1, OPT_RECV, OPT_SEND, OPT_RATE, OPT_SIZE, OPT_WARM, OPT_DUR, OPT_DRAIN, OPT_SYNC, OPT_PID, OPT_PORT, OPT_CONNS,
           OPT_SETTLE, OPT_MAXHOLD, OPT_HOST, OPT_FREE, OPT_PROBE, OPT_RSS };
    static struct option lo[] = {
        {"mode", 1, 0, OPT_MODE}, {"recv", 1, 0, OPT_RECV}, {"send-port", 1, 0, OPT_SEND}, {"rate", 1, 0, OPT_RATE},
        {"size", 1, 0, OPT_SIZE}, {"warmup", 1, 0, OPT_WARM}, {"duration", 1, 0, OPT_DUR},
        {"drain-timeout", 1, 0, OPT_DRAIN}, {"sync-timeout", 1, 0, OPT_SYNC}, {"server-pid", 1, 0, OPT_PID},
        {"port", 1, 0, OPT_PORT}, {"conns", 1, 0, OPT_CONNS}, {"settle", 1, 0, OPT_SETTLE},
        {"max-hold", 1, 0, OPT_MAXHOLD}, {"host", 1, 0, OPT_HOST}, {"free-port", 0, 0, OPT_FREE},
        {"probe", 0, 0, OPT_PROBE}, {"rss", 1, 0, OPT_RSS}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int opt, probe = 0, port = 0, conns = 0;
    while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (opt) {
        case OPT_MODE:
            if (!strcmp(optarg, "bcast"))
                O.mode = M_BCAST;
            else if (!strcmp(optarg, "idle"))
                O.mode = M_IDLE;
            else if (!strcmp(optarg, "hold"))
                O.mode = M_HOLD;
            else
                usage();
            break;
        case OPT_RECV: {
            int p, n;
            if (O.ngroups >= MAXGROUPS || sscanf(optarg, "%d:%d", &p, &n) != 2 || p < 1 || p > 65535 || n < 1)
                usage();
            O.gport[O.ngroups] = p;
            O.gconns[O.ngroups++] = n;
            break;
        }
        case OPT_SEND: O.send_port = atoi(optarg); break;
        case OPT_RATE: O.rate = atof(optarg); break;
        case OPT_SIZE: O.size = atoi(optarg); break;
        case OPT_WARM: O.warmup = atof(optarg); break;
        case OPT_DUR: O.duration = atof(optarg); break;
        case OPT_DRAIN: O.drain_timeout = atof(optarg); break;
        case OPT_SYNC: O.sync_timeout = atof(optarg); break;
        case OPT_PID:
            if (O.npids >= MAXPIDS)
                usage();
            O.pids[O.npids++] = atoi(optarg);
            break;
        case OPT_PORT: port = atoi(optarg); break;
        case OPT_CONNS: conns = atoi(optarg); break;
        case OPT_SETTLE: O.settle = atof(optarg); break;
        case OPT_MAXHOLD: O.max_hold = atof(optarg); break;
        case OPT_HOST: O.host = optarg; break;
        case OPT_FREE: return cmd_free_port();
        case OPT_PROBE: probe = 1; break;
        case OPT_RSS: printf("%ld\n", proc_rss_kb(atoi(optarg))); return 0;
        default: usage();
        }
    }
    if (probe)
        return cmd_probe(port);
    if (O.size < 40 || O.size > CARRY)
        die("--size must be 40..2048");
    signal(SIGPIPE, SIG_IGN);
    if (O.mode != M_BCAST) {
        if (port < 1 || conns < 2)
            die("idle and hold need --port and --conns (at least 2)");
        O.ngroups = 1;
        O.gport[0] = port;
        O.gconns[0] = conns;
    }
    int total = O.mode == M_BCAST ? 1 : 0;
    for (int g = 0; g < O.ngroups; g++)
        total += O.gconns[g];
    raise_nofile((rlim_t)total + 64);
    EP = epoll_create1(EPOLL_CLOEXEC);
    /* a hard bound on the whole run */
    double budget = O.mode == M_BCAST ? O.sync_timeout + 120 + O.warmup + O.duration + O.drain_timeout
                  : O.mode == M_IDLE  ? O.sync_timeout + 120 + O.settle
                                      : O.sync_timeout + 120 + O.max_hold;
    alarm((unsigned)budget);
    switch (O.mode) {
    case M_BCAST: return run_bcast();
    case M_IDLE: return run_idle();
    default: return run_hold();
    }
}
