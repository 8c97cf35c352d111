/*
 * N-API glue for sha256.c (node_api.h only, so one build runs on every Node >= 20 and needs no
 * node-addon-api). Every function writes into a caller-given buffer (no allocation per call)
 * and checks every argument before touching memory: a wrong type throws a TypeError, a length
 * or offset outside its buffer a RangeError. The addon is context-aware (NAPI_MODULE_INIT), so
 * vitest's worker threads may each load it; each environment keeps its own backend choice.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>

#include "sha256.h"

typedef struct {
  const sha256_backend *current;
  const sha256_backend *shani; /* NULL when this CPU (or architecture) has no SHA-NI */
} backend;

/* Fetch exactly `n` arguments and the environment's backend; missing ones read as undefined. */
static int args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, backend **be) {
  size_t argc = n;
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &data) != napi_ok) return 0;
  for (size_t i = argc; i < n; i++) napi_get_undefined(env, &argv[i]);
  *be = (backend *)data;
  return 1;
}

static int typed(napi_env env, napi_value v, const char *what, int words, void **data, size_t *length) {
  bool is = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, length, data, NULL, NULL) != napi_ok ||
      (words ? type != napi_int32_array && type != napi_uint32_array : type != napi_uint8_array)) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s must be %s", what, words ? "an Int32Array or Uint32Array" : "a Uint8Array");
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

/* A byte view. */
static int bytes(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *length) {
  void *p = NULL;
  if (!typed(env, v, what, 0, &p, length)) return 0;
  *data = (uint8_t *)p;
  return 1;
}

/* A view of 32-bit words (Int32Array or Uint32Array: the same bits). */
static int words(napi_env env, napi_value v, const char *what, uint32_t **data, size_t *count) {
  void *p = NULL;
  if (!typed(env, v, what, 1, &p, count)) return 0;
  *data = (uint32_t *)p;
  return 1;
}

/* A non-negative integer no larger than `max` (a safe integer: lengths and offsets). */
static int integer(napi_env env, napi_value v, const char *what, double max, double *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s must be a number", what);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  double d = 0;
  napi_get_value_double(env, v, &d);
  if (!(d >= 0 && d <= max && d == floor(d))) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be an integer from 0 to %.0f, got %g", what, max, d);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  *out = d;
  return 1;
}

/* `buf[offset..offset+need)` lies inside a buffer of `length` bytes. */
static int span(napi_env env, napi_value off, const char *what, size_t length, size_t need, size_t *offset) {
  if (length < need) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s: the buffer needs %zu bytes, has %zu", what, need, length);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  double d;
  if (!integer(env, off, what, (double)(length - need), &d)) return 0;
  *offset = (size_t)d;
  return 1;
}

/* The 32-byte output at out[outOffset..]: the last two arguments of every hashing function. */
static int output(napi_env env, napi_value buf, napi_value off, uint8_t **at) {
  uint8_t *p;
  size_t len, o;
  if (!bytes(env, buf, "out", &p, &len) || !span(env, off, "outOffset", len, 32, &o)) return 0;
  *at = p + o;
  return 1;
}

/* compress(state: Int32Array(8), data, offset, blocks): compress whole blocks into state. */
static napi_value js_compress(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  backend *be;
  uint32_t *state;
  uint8_t *data;
  size_t count, len, off;
  double blocks;
  if (!args(env, info, 4, argv, &be) || !words(env, argv[0], "state", &state, &count)) return NULL;
  if (count != 8) { napi_throw_range_error(env, NULL, "state must hold 8 words"); return NULL; }
  if (!bytes(env, argv[1], "data", &data, &len) || !span(env, argv[2], "offset", len, 0, &off) ||
      !integer(env, argv[3], "blocks", (double)((len - off) / 64), &blocks)) return NULL;
  if (blocks > 0) be->current->compress(state, data + off, (size_t)blocks);
  return NULL;
}

/* sha256d64(src, srcOffset, out, outOffset): one merkle node. */
static napi_value js_sha256d64(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  backend *be;
  uint8_t *src, *out;
  size_t len, off;
  if (!args(env, info, 4, argv, &be) || !bytes(env, argv[0], "src", &src, &len) ||
      !span(env, argv[1], "srcOffset", len, 64, &off) || !output(env, argv[2], argv[3], &out)) return NULL;
  sha256d_64(be->current, src + off, out);
  return NULL;
}

/*
 * sha256dBranch(leaf, leafOffset, words: Int32Array(8 per level), out, outOffset[, index]): the
 * climb of sha256d_branch; without an index (undefined) the running hash stays on the left.
 */
static napi_value js_sha256d_branch(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  backend *be;
  uint8_t *leaf, *out;
  uint32_t *branch;
  size_t len, off, count;
  double index = 0;
  napi_valuetype t;
  if (!args(env, info, 6, argv, &be) || !bytes(env, argv[0], "leaf", &leaf, &len) ||
      !span(env, argv[1], "leafOffset", len, 32, &off) || !words(env, argv[2], "branch", &branch, &count)) return NULL;
  if (count % 8 != 0) { napi_throw_range_error(env, NULL, "branch must hold 8 words per level"); return NULL; }
  if (!output(env, argv[3], argv[4], &out)) return NULL;
  /* 2**53 - 1: an index beyond a safe integer cannot come from JavaScript anyway. */
  if (napi_typeof(env, argv[5], &t) != napi_ok ||
      (t != napi_undefined && !integer(env, argv[5], "index", 9007199254740991.0, &index))) return NULL;
  sha256d_branch(be->current, leaf + off, branch, count / 8, (uint64_t)index, out);
  return NULL;
}

/* The message data[offset..offset+length) of sha256/sha256d. */
static int message(napi_env env, napi_value *argv, uint8_t **msg, size_t *length) {
  uint8_t *data;
  size_t len, off;
  double n;
  if (!bytes(env, argv[0], "data", &data, &len) || !span(env, argv[1], "offset", len, 0, &off) ||
      !integer(env, argv[2], "length", (double)(len - off), &n)) return 0;
  *msg = data + off;
  *length = (size_t)n;
  return 1;
}

/* sha256(data, offset, length, out, outOffset) and sha256d(...): a whole message. */
static napi_value js_sha256(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  backend *be;
  uint8_t *msg, *out;
  size_t n;
  if (!args(env, info, 5, argv, &be) || !message(env, argv, &msg, &n) || !output(env, argv[3], argv[4], &out)) return NULL;
  sha256_once(be->current, msg, n, out);
  return NULL;
}

static napi_value js_sha256d(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  backend *be;
  uint8_t *msg, *out;
  size_t n;
  if (!args(env, info, 5, argv, &be) || !message(env, argv, &msg, &n) || !output(env, argv[3], argv[4], &out)) return NULL;
  sha256d_once(be->current, msg, n, out);
  return NULL;
}

/*
 * sha256dResume(state: Int32Array(8), done, tail, suffix, out, outOffset): sha256d of a message
 * whose first `done` bytes (a multiple of 64) are in `state`, followed by tail then suffix.
 */
static napi_value js_sha256d_resume(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  backend *be;
  uint32_t *state;
  uint8_t *tail, *suffix, *out;
  size_t count, tail_len, suffix_len;
  double done;
  if (!args(env, info, 6, argv, &be) || !words(env, argv[0], "state", &state, &count)) return NULL;
  if (count != 8) { napi_throw_range_error(env, NULL, "state must hold 8 words"); return NULL; }
  /* 2**53 - 1: lengths beyond a safe integer cannot come from JavaScript anyway. */
  if (!integer(env, argv[1], "done", 9007199254740991.0, &done)) return NULL;
  if (fmod(done, 64) != 0) { napi_throw_range_error(env, NULL, "done must be a multiple of 64"); return NULL; }
  if (!bytes(env, argv[2], "tail", &tail, &tail_len) || !bytes(env, argv[3], "suffix", &suffix, &suffix_len) ||
      !output(env, argv[4], argv[5], &out)) return NULL;
  sha256d_resume(be->current, state, (uint64_t)done, tail, tail_len, suffix, suffix_len, out);
  return NULL;
}

static const char *backend_name(const backend *be) {
  return be->current == &SHA256_PORTABLE ? "portable C" : "SHA-NI";
}

/* backend(): the compression in use ("SHA-NI" or "portable C"). */
static napi_value js_backend(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  backend *be;
  if (!args(env, info, 0, argv, &be)) return NULL;
  napi_create_string_utf8(env, backend_name(be), NAPI_AUTO_LENGTH, &result);
  return result;
}

/*
 * useBackend(name): switch this environment to "SHA-NI" or "portable C" (tests cover both on
 * a SHA-NI machine). Asking for SHA-NI where the CPU has none is a RangeError.
 */
static napi_value js_use_backend(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  backend *be;
  char name[16];
  size_t n = 0;
  if (!args(env, info, 1, argv, &be)) return NULL;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "backend name must be a string");
    return NULL;
  }
  if (strcmp(name, "portable C") == 0) {
    be->current = &SHA256_PORTABLE;
  } else if (strcmp(name, "SHA-NI") == 0 && be->shani != NULL) {
    be->current = be->shani;
  } else {
    napi_throw_range_error(env, NULL, "backend must be \"portable C\" or (on a CPU with SHA-NI) \"SHA-NI\"");
    return NULL;
  }
  return NULL;
}

static void free_backend(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  free(data);
}

NAPI_MODULE_INIT() {
  backend *be = (backend *)malloc(sizeof *be);
  if (be == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  be->shani = sha256_shani_backend();
  be->current = be->shani != NULL ? be->shani : &SHA256_PORTABLE;
  if (napi_set_instance_data(env, be, free_backend, NULL) != napi_ok) {
    free(be);
    return NULL;
  }
  const struct { const char *name; napi_callback cb; } fns[] = {
    { "compress", js_compress },
    { "sha256d64", js_sha256d64 },
    { "sha256dBranch", js_sha256d_branch },
    { "sha256", js_sha256 },
    { "sha256d", js_sha256d },
    { "sha256dResume", js_sha256d_resume },
    { "backend", js_backend },
    { "useBackend", js_use_backend },
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, be, &fn) != napi_ok ||
        napi_set_named_property(env, exports, fns[i].name, fn) != napi_ok) return NULL;
  }
  return exports;
}
