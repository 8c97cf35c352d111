/*
 * SHA-256 (FIPS 180-4) for the node's hot paths: one backend chosen at load time (SHA-NI where
 * the CPU has it, portable C otherwise) and the few whole operations that src/bitcoin/hash.ts
 * hands to native code in a single call each. State words are host-order uint32 values, the
 * same bits as hash.ts's Int32Array state words.
 */
#ifndef P2POOL_SHA256_H
#define P2POOL_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* Compress `nblocks` consecutive 64-byte blocks at `blocks` into `state` (in place). */
typedef void (*sha256_compress_fn)(uint32_t state[8], const uint8_t *blocks, size_t nblocks);

/*
 * A backend: its compression, and the sha256d operations it does whole (faster than composed
 * from compressions: sha256-shani.c). A NULL operation is composed from `compress` (sha256.c).
 */
typedef struct {
  sha256_compress_fn compress;
  /* sha256d of the 64 bytes at `in` into `out` (which may overlap `in`). */
  void (*sha256d_64)(const uint8_t *in, uint8_t out[32]);
  /* sha256d_branch below, on this backend. */
  void (*sha256d_branch)(const uint8_t leaf[32], const uint32_t *words, size_t levels, uint64_t index, uint8_t out[32]);
  /* The second SHA-256 of sha256d: the digest of the first one's 32 bytes (state words `first`). */
  void (*second_hash)(const uint32_t first[8], uint8_t out[32]);
} sha256_backend;

void sha256_compress_portable(uint32_t state[8], const uint8_t *blocks, size_t nblocks);

/* The portable backend: every operation composed from sha256_compress_portable. */
extern const sha256_backend SHA256_PORTABLE;

/* The SHA-NI backend, or NULL when this build or this CPU has none (sha256-shani.c). */
const sha256_backend *sha256_shani_backend(void);

/* FIPS 180-4 §5.3.3: the initial hash value H(0). */
extern const uint32_t SHA256_H0[8];

/* FIPS 180-4 §4.2.2: the round constants, shared by both compressions. */
extern const uint32_t SHA256_K[64];

/*
 * The operations below read all of their input before writing `out`, so `out` may overlap
 * any input (the merkle code hashes nodes in place).
 */

/* sha256d of the 64 bytes at `in`: one merkle tree node (left || right). */
void sha256d_64(const sha256_backend *b, const uint8_t *in, uint8_t out[32]);

/*
 * Climb a merkle branch (P2Pool's check_merkle_link): at level i, h = sha256d(h || branch[i])
 * when bit i of `index` is 0 and sha256d(branch[i] || h) when it is 1 (bits past 63 are 0).
 * Index 0 keeps the running hash on the left all the way up (Stratum's coinbase is leaf 0).
 * `words` holds 8 big-endian words per level, as hash.ts's hashWords makes them.
 */
void sha256d_branch(const sha256_backend *b, const uint8_t leaf[32], const uint32_t *words, size_t levels, uint64_t index, uint8_t out[32]);

/* SHA-256 / sha256d of a whole message. */
void sha256_once(const sha256_backend *b, const uint8_t *data, size_t len, uint8_t out[32]);
void sha256d_once(const sha256_backend *b, const uint8_t *data, size_t len, uint8_t out[32]);

/*
 * sha256d of a message whose first `done` bytes (a multiple of 64) are already compressed into
 * `midstate`, continued by `tail` then `suffix` (Sha256dPrefix.digestInto).
 */
void sha256d_resume(const sha256_backend *b, const uint32_t midstate[8], uint64_t done,
                    const uint8_t *tail, size_t tail_len, const uint8_t *suffix, size_t suffix_len,
                    uint8_t out[32]);

#endif
