/* ThreadSanitizer builds only (COSMIC_TSAN): C11 threads routed through the POSIX calls TSan
 * intercepts.
 *
 * Debian 12's librdkafka creates its threads with C11 thrd_create and locks with mtx_* / cnd_*.
 * In glibc 2.34 and later these call libc's internal pthread functions directly, past TSan's
 * interceptors (which GCC 12's and LLVM 14's runtimes have for pthread_* only). The first
 * malloc on such a thread then crashes the runtime (its per-thread state was never set up,
 * llvm/llvm-project#109742), and TSan would not see librdkafka's locks either, so every record a
 * librdkafka thread hands over through its queues would look like a race. Every executable of a
 * TSan build defines these functions; the dynamic linker binds librdkafka's references to them,
 * and they do what glibc's own versions do (nptl/thrd_*.c, mtx_*.c, cnd_*.c, call_once.c) through
 * the public, intercepted pthread calls. glibc's C11 types share the pthread types' layout. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

static int MapError(int error) {
    switch (error) {
        case 0:
            return thrd_success;
        case ENOMEM:
            return thrd_nomem;
        case ETIMEDOUT:
            return thrd_timedout;
        case EBUSY:
            return thrd_busy;
        default:
            return thrd_error;
    }
}

struct Start {
    thrd_start_t function;
    void* argument;
};

static void* RunC11Thread(void* raw) {
    struct Start start = *(struct Start*)raw;
    free(raw);
    return (void*)(intptr_t)start.function(start.argument);
}

int thrd_create(thrd_t* thread, thrd_start_t function, void* argument) {
    struct Start* start = malloc(sizeof *start);
    if (start == NULL) return thrd_nomem;
    start->function = function;
    start->argument = argument;
    const int error = pthread_create((pthread_t*)thread, NULL, RunC11Thread, start);
    if (error != 0) {
        free(start);
        return error == EAGAIN ? thrd_nomem : thrd_error;
    }
    return thrd_success;
}

int thrd_join(thrd_t thread, int* result) {
    void* value = NULL;
    const int error = pthread_join((pthread_t)thread, &value);
    if (result != NULL) *result = (int)(intptr_t)value;
    return MapError(error);
}

int thrd_detach(thrd_t thread) { return MapError(pthread_detach((pthread_t)thread)); }

int mtx_init(mtx_t* mutex, int type) {
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    switch (type) {
        case mtx_plain | mtx_recursive:
        case mtx_timed | mtx_recursive:
            pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
            break;
        case mtx_plain:
        case mtx_timed:
            break;
        default:
            pthread_mutexattr_destroy(&attributes);
            return thrd_error;
    }
    const int error = pthread_mutex_init((pthread_mutex_t*)mutex, &attributes);
    pthread_mutexattr_destroy(&attributes);
    return MapError(error);
}

void mtx_destroy(mtx_t* mutex) { pthread_mutex_destroy((pthread_mutex_t*)mutex); }
int mtx_lock(mtx_t* mutex) { return MapError(pthread_mutex_lock((pthread_mutex_t*)mutex)); }
int mtx_trylock(mtx_t* mutex) { return MapError(pthread_mutex_trylock((pthread_mutex_t*)mutex)); }
int mtx_timedlock(mtx_t* restrict mutex, const struct timespec* restrict deadline) {
    return MapError(pthread_mutex_timedlock((pthread_mutex_t*)mutex, deadline));
}
int mtx_unlock(mtx_t* mutex) { return MapError(pthread_mutex_unlock((pthread_mutex_t*)mutex)); }

int cnd_init(cnd_t* condition) { return MapError(pthread_cond_init((pthread_cond_t*)condition, NULL)); }
void cnd_destroy(cnd_t* condition) { pthread_cond_destroy((pthread_cond_t*)condition); }
int cnd_signal(cnd_t* condition) { return MapError(pthread_cond_signal((pthread_cond_t*)condition)); }
int cnd_broadcast(cnd_t* condition) { return MapError(pthread_cond_broadcast((pthread_cond_t*)condition)); }
int cnd_wait(cnd_t* condition, mtx_t* mutex) {
    return MapError(pthread_cond_wait((pthread_cond_t*)condition, (pthread_mutex_t*)mutex));
}
int cnd_timedwait(cnd_t* restrict condition, mtx_t* restrict mutex, const struct timespec* restrict deadline) {
    return MapError(pthread_cond_timedwait((pthread_cond_t*)condition, (pthread_mutex_t*)mutex, deadline));
}

void call_once(once_flag* flag, void (*function)(void)) { pthread_once((pthread_once_t*)flag, function); }
