// dedup: deduplicating compression of a data stream, the shape of PARSEC's
// dedup: a five-stage pipeline joined by bounded queues (mutex + condition
// variables).
//
//   fragment (1 thread)  produces the stream in 1 MiB coarse chunks (it
//                        generates the data, where PARSEC's reads a file)
//   refine   (n threads) splits each coarse chunk at content-defined
//                        boundaries (a rolling gear hash) into ~4 KiB chunks
//   dedup    (n threads) fingerprints each chunk (128-bit hash) and looks it
//                        up in a hash table with striped locks; the first
//                        copy goes on to be compressed, repeats skip ahead
//   compress (n threads) LZ77-compresses each new chunk
//   reorder  (1 thread)  puts the chunks back in stream order and "writes"
//                        them: a new chunk as its compressed bytes, a repeat
//                        as a reference to the fingerprint
//
//   dedup -i test|simsmall|simmedium|simlarge -n THREADS
//
// Threads: -n per parallel stage, 3n + 2 in total. Deterministic: chunk
// boundaries depend only on the data, compression only on the chunk, and
// the reorder stage decides "new or repeat" in stream order, whichever copy
// happened to be compressed. The checksum covers the written stream.
// `elapsed` includes generating the stream, as PARSEC's includes reading it.
#include <pthread.h>

#include "bench/parsec/bounded_queue.h"
#include "bench/parsec/parsec_common.h"

enum {
  COARSE_BYTES = 1 << 20,
  MIN_CHUNK = 1024,
  MAX_CHUNK = 16384,
  TABLE_BUCKETS = 1 << 18,
  TABLE_STRIPES = 256,
  COARSE_QUEUE_CAPACITY = 8,
  CHUNK_QUEUE_CAPACITY = 256,
};
// A boundary where the top 12 bits of the rolling hash are zero: about
// every 4 KiB, decided by the last 64 bytes.
static const uint64_t BOUNDARY_MASK = 0xfff0000000000000ULL;

static const long input_mib[INPUT_SIZE_COUNT] = {8, 420, 2048, 9728};

struct coarse_chunk {
  long seq;
  unsigned char* data;  // freed by the reorder stage after its last chunk
  long length;
};

struct table_entry {
  uint64_t fingerprint[2];
  unsigned char* compressed;  // written by the compress stage
  long compressed_length;
  int compressed_arrived;  // reorder stage only: the compressing copy reached it
  int written;             // reorder stage only: its bytes are in the output
  struct table_entry* next_in_bucket;
};

struct chunk {
  struct coarse_chunk* coarse;
  long index, chunks_in_coarse;
  const unsigned char* data;
  long length;
  struct table_entry* entry;
  int compresses;  // the copy that got to the table first
};

// ---- Input --------------------------------------------------------------------
// The fragment stage generates the stream as it goes, so memory stays small
// whatever the size. The stream is
// text-like (words from a fixed vocabulary, so it compresses) in segments
// of 8-64 KiB; about a third of the segments repeat an earlier segment's
// content, so there is something to deduplicate.

enum { VOCABULARY = 4096, WORD_MAX = 12, SEGMENT_MAX = 65536 };

struct stream_generator {
  char words[VOCABULARY][WORD_MAX];  // letters, then a space; zero-padded
  int word_length[VOCABULARY];       // with the space
  long segment, fresh_contents;      // segments started, distinct contents so far
  unsigned char segment_bytes[SEGMENT_MAX + WORD_MAX];  // room to copy whole words
  long segment_length, segment_offset;
};

static void generator_init(struct stream_generator* g) {
  for (int w = 0; w < VOCABULARY; w++) {
    struct rng rng = rng_for(12, (uint64_t)w);
    int letters = 2 + (int)rng_below(&rng, WORD_MAX - 3);
    memset(g->words[w], 0, WORD_MAX);
    for (int i = 0; i < letters; i++) g->words[w][i] = (char)('a' + rng_below(&rng, 26));
    g->words[w][letters] = ' ';
    g->word_length[w] = letters + 1;
  }
  g->segment = g->fresh_contents = 0;
  g->segment_length = g->segment_offset = 0;
}

// Fills segment_bytes with the next segment: new content, or a repeat of
// an earlier one (content number c always gives the same bytes).
static void next_segment(struct stream_generator* g) {
  struct rng rng = rng_for(13, (uint64_t)g->segment++);
  uint64_t content = g->fresh_contents > 0 && rng_below(&rng, 3) == 0
                         ? rng_below(&rng, (uint64_t)g->fresh_contents)
                         : (uint64_t)g->fresh_contents++;
  struct rng text = rng_for(14, content);
  long length = 8192 + (long)rng_below(&text, SEGMENT_MAX - 8192);
  for (long filled = 0; filled < length;) {
    // Squaring a uniform number favours low word numbers, as in text.
    double u = rng_uniform(&text);
    int word = (int)(u * u * VOCABULARY);
    memcpy(g->segment_bytes + filled, g->words[word], WORD_MAX);
    filled += g->word_length[word];
  }
  g->segment_length = length;
  g->segment_offset = 0;
}

static void generate(struct stream_generator* g, unsigned char* out, long length) {
  for (long at = 0; at < length;) {
    if (g->segment_offset == g->segment_length) next_segment(g);
    long take = g->segment_length - g->segment_offset;
    if (take > length - at) take = length - at;
    memcpy(out + at, g->segment_bytes + g->segment_offset, (size_t)take);
    g->segment_offset += take;
    at += take;
  }
}

struct pipeline {
  struct stream_generator generator;
  long input_length, coarse_count;
  uint64_t gear[256];
  struct bounded_queue to_refine, to_dedup, to_compress, to_reorder;
  struct table_entry* buckets[TABLE_BUCKETS];
  pthread_mutex_t stripe_lock[TABLE_STRIPES];
  struct checksum sum;
  long output_bytes;
};

// ---- Stage work ------------------------------------------------------------------

// The end of the chunk starting at `data` (at most `length` bytes on).
static long next_boundary(const uint64_t gear[256], const unsigned char* data, long length) {
  if (length <= MIN_CHUNK) return length;
  long limit = length < MAX_CHUNK ? length : MAX_CHUNK;
  uint64_t hash = 0;
  for (long i = 0; i < limit; i++) {
    hash = (hash << 1) + gear[data[i]];
    if (i >= MIN_CHUNK && (hash & BOUNDARY_MASK) == 0) return i + 1;
  }
  return limit;
}

static uint64_t mix64(uint64_t x) {
  x = (x ^ (x >> 33)) * 0xff51afd7ed558ccdULL;
  x = (x ^ (x >> 33)) * 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

// Two independent 64-bit lanes over the chunk's 8-byte words.
static void fingerprint(const unsigned char* data, long length, uint64_t out[2]) {
  uint64_t a = 0x243f6a8885a308d3ULL ^ (uint64_t)length, b = 0x13198a2e03707344ULL;
  long i = 0;
  for (; i + 8 <= length; i += 8) {
    uint64_t word;
    memcpy(&word, data + i, 8);
    a = mix64(a ^ word);
    b = (b + word) * 0x9fb21c651e98df25ULL;
    b ^= b >> 29;
  }
  for (; i < length; i++) {
    a = mix64(a ^ data[i]);
    b = (b + data[i]) * 0x9fb21c651e98df25ULL;
  }
  out[0] = a;
  out[1] = mix64(b);
}

// LZ77 with hash chains and lazy matching, in the spirit of gzip's middle levels:
// the real work of PARSEC's compress stage. Tokens: a byte below 128 is a
// run of (byte + 1) literals that follow; a byte of 128 or more is a match
// of (byte - 128 + 4) bytes at the 16-bit distance that follows.
enum {
  MATCH_MIN = 4,
  MATCH_MAX = 131,
  LITERAL_RUN_MAX = 128,
  LZ_HASH_BITS = 13,
  CHAIN_DEPTH = 24,
};

// Per compress thread: the newest position per hash of 4 bytes, and for each
// position the previous one with the same hash.
struct lz_state {
  int32_t head[1 << LZ_HASH_BITS];
  int32_t previous[MAX_CHUNK];
};

static long compress_bound(long length) { return length + length / LITERAL_RUN_MAX + 1; }

static uint32_t quad_hash(const unsigned char* at) {
  uint32_t quad;
  memcpy(&quad, at, 4);
  return (quad * 2654435761u) >> (32 - LZ_HASH_BITS);
}

static long emit_literals(unsigned char* out, const unsigned char* literals, long count) {
  long written = 0;
  for (long done = 0; done < count;) {
    long run = count - done < LITERAL_RUN_MAX ? count - done : LITERAL_RUN_MAX;
    out[written++] = (unsigned char)(run - 1);
    memcpy(out + written, literals + done, (size_t)run);
    written += run;
    done += run;
  }
  return written;
}

// The longest earlier match for position `at` (indexed already), searching
// at most CHAIN_DEPTH earlier positions with the same hash.
static long longest_match(const struct lz_state* lz, const unsigned char* in, long length,
                          long at, long* match_at) {
  long best = 0, limit = length - at < MATCH_MAX ? length - at : MATCH_MAX;
  long candidate = lz->previous[at];
  for (int depth = 0; candidate >= 0 && depth < CHAIN_DEPTH; depth++) {
    long match = 0;
    while (match < limit && in[candidate + match] == in[at + match]) match++;
    if (match > best) {
      best = match;
      *match_at = candidate;
      if (match == limit) break;
    }
    candidate = lz->previous[candidate];
  }
  return best;
}

static long lz_compress(struct lz_state* lz, const unsigned char* in, long length,
                        unsigned char* out) {
  memset(lz->head, -1, sizeof lz->head);
  long written = 0, literal_start = 0, i = 0, indexed = 0;
  while (i + MATCH_MIN <= length) {
    // Index every position up to i (matches skip over positions).
    for (; indexed <= i; indexed++) {
      uint32_t slot = quad_hash(in + indexed);
      lz->previous[indexed] = lz->head[slot];
      lz->head[slot] = (int32_t)indexed;
    }
    long best_at = 0, best = longest_match(lz, in, length, i, &best_at);
    if (best < MATCH_MIN) {
      i++;
      continue;
    }
    // Lazy matching: if the next position starts a longer match, take a
    // literal here instead.
    if (i + 1 + MATCH_MIN <= length && best < MATCH_MAX) {
      uint32_t slot = quad_hash(in + i + 1);
      lz->previous[i + 1] = lz->head[slot];
      lz->head[slot] = (int32_t)(i + 1);
      indexed = i + 2;
      long later_at = 0;
      if (longest_match(lz, in, length, i + 1, &later_at) > best) {
        i++;
        continue;
      }
    }
    written += emit_literals(out + written, in + literal_start, i - literal_start);
    long distance = i - best_at;
    out[written++] = (unsigned char)(128 + best - MATCH_MIN);
    out[written++] = (unsigned char)(distance & 0xff);
    out[written++] = (unsigned char)(distance >> 8);
    i += best;
    literal_start = i;
  }
  written += emit_literals(out + written, in + literal_start, length - literal_start);
  return written;
}

// ---- Stages ------------------------------------------------------------------------

static void* fragment_stage(void* arg) {
  struct pipeline* p = arg;
  for (long seq = 0; seq < p->coarse_count; seq++) {
    struct coarse_chunk* coarse = checked_calloc(1, sizeof *coarse);
    coarse->seq = seq;
    long left = p->input_length - seq * COARSE_BYTES;
    coarse->length = left < COARSE_BYTES ? left : COARSE_BYTES;
    coarse->data = checked_calloc((size_t)coarse->length, 1);
    generate(&p->generator, coarse->data, coarse->length);
    queue_push(&p->to_refine, coarse);
  }
  queue_producer_done(&p->to_refine);
  return NULL;
}

static void* refine_stage(void* arg) {
  struct pipeline* p = arg;
  long ends[COARSE_BYTES / MIN_CHUNK + 1];
  struct coarse_chunk* coarse;
  while ((coarse = queue_pop(&p->to_refine)) != NULL) {
    long count = 0;
    for (long at = 0; at < coarse->length; count++) {
      at += next_boundary(p->gear, coarse->data + at, coarse->length - at);
      ends[count] = at;
    }
    for (long i = 0; i < count; i++) {
      struct chunk* chunk = checked_calloc(1, sizeof *chunk);
      long begin = i == 0 ? 0 : ends[i - 1];
      *chunk = (struct chunk){coarse, i, count, coarse->data + begin, ends[i] - begin, NULL, 0};
      queue_push(&p->to_dedup, chunk);
    }
  }
  queue_producer_done(&p->to_dedup);
  return NULL;
}

static void* dedup_stage(void* arg) {
  struct pipeline* p = arg;
  struct chunk* chunk;
  while ((chunk = queue_pop(&p->to_dedup)) != NULL) {
    uint64_t print[2];
    fingerprint(chunk->data, chunk->length, print);
    long bucket = (long)(print[0] % TABLE_BUCKETS);
    pthread_mutex_t* lock = &p->stripe_lock[bucket % TABLE_STRIPES];
    pthread_mutex_lock(lock);
    struct table_entry* entry = p->buckets[bucket];
    while (entry && (entry->fingerprint[0] != print[0] || entry->fingerprint[1] != print[1])) {
      entry = entry->next_in_bucket;
    }
    if (entry == NULL) {
      entry = checked_calloc(1, sizeof *entry);
      entry->fingerprint[0] = print[0];
      entry->fingerprint[1] = print[1];
      entry->next_in_bucket = p->buckets[bucket];
      p->buckets[bucket] = entry;
      chunk->compresses = 1;
    }
    pthread_mutex_unlock(lock);
    chunk->entry = entry;
    queue_push(chunk->compresses ? &p->to_compress : &p->to_reorder, chunk);
  }
  queue_producer_done(&p->to_compress);
  queue_producer_done(&p->to_reorder);
  return NULL;
}

static void* compress_stage(void* arg) {
  struct pipeline* p = arg;
  struct lz_state* lz = checked_calloc(1, sizeof *lz);
  struct chunk* chunk;
  while ((chunk = queue_pop(&p->to_compress)) != NULL) {
    struct table_entry* entry = chunk->entry;
    entry->compressed = checked_calloc((size_t)compress_bound(chunk->length), 1);
    entry->compressed_length = lz_compress(lz, chunk->data, chunk->length, entry->compressed);
    queue_push(&p->to_reorder, chunk);
  }
  free(lz);
  queue_producer_done(&p->to_reorder);
  return NULL;
}

static void write_chunk(struct pipeline* p, struct chunk* chunk) {
  struct table_entry* entry = chunk->entry;
  unsigned char tag = entry->written ? 'R' : 'C';
  checksum_bytes(&p->sum, &tag, 1);
  if (entry->written) {
    checksum_u64(&p->sum, entry->fingerprint[0]);
    checksum_u64(&p->sum, entry->fingerprint[1]);
    p->output_bytes += 1 + 16;
  } else {
    checksum_u64(&p->sum, (uint64_t)entry->compressed_length);
    checksum_bytes(&p->sum, entry->compressed, (size_t)entry->compressed_length);
    p->output_bytes += 1 + 8 + entry->compressed_length;
    free(entry->compressed);
    entry->compressed = NULL;
    entry->written = 1;
  }
}

// Chunks arrive in any order. The next chunk in stream order is written as
// soon as it is here and, if its content is new, the copy that was
// compressed has arrived too. The stage never blocks on anything but its
// input queue, so the stages before it can always make progress.
static void* reorder_stage(void* arg) {
  struct pipeline* p = arg;
  struct chunk*** arrived = checked_calloc((size_t)p->coarse_count, sizeof *arrived);
  long coarse = 0, index = 0;
  struct chunk* chunk;
  while (coarse < p->coarse_count && (chunk = queue_pop(&p->to_reorder)) != NULL) {
    long seq = chunk->coarse->seq;
    if (arrived[seq] == NULL) {
      arrived[seq] = checked_calloc((size_t)chunk->chunks_in_coarse, sizeof **arrived);
    }
    arrived[seq][chunk->index] = chunk;
    if (chunk->compresses) chunk->entry->compressed_arrived = 1;
    while (coarse < p->coarse_count && arrived[coarse] != NULL) {
      struct chunk* next = arrived[coarse][index];
      if (next == NULL || (!next->entry->written && !next->entry->compressed_arrived)) break;
      write_chunk(p, next);
      struct coarse_chunk* owner = next->coarse;
      long in_coarse = next->chunks_in_coarse;
      free(next);
      if (++index == in_coarse) {
        // Every chunk of it has been compressed or found a repeat: no stage
        // reads its bytes any more.
        free(owner->data);
        free(owner);
        free(arrived[coarse]);
        arrived[coarse] = NULL;
        coarse++;
        index = 0;
      }
    }
  }
  if (coarse < p->coarse_count) {
    fprintf(stderr, "dedup: the pipeline ended before coarse chunk %ld was complete\n", coarse);
    exit(1);
  }
  free(arrived);
  return NULL;
}

int main(int argc, char** argv) {
  struct bench_args args = parse_bench_args(argc, argv, "dedup");
  static struct pipeline p;
  p.input_length = input_mib[args.input] << 20;
  generator_init(&p.generator);
  p.coarse_count = (p.input_length + COARSE_BYTES - 1) / COARSE_BYTES;
  for (int b = 0; b < 256; b++) {
    struct rng rng = rng_for(11, (uint64_t)b);
    p.gear[b] = rng_next(&rng);
  }
  for (int s = 0; s < TABLE_STRIPES; s++) {
    check(pthread_mutex_init(&p.stripe_lock[s], NULL), "pthread_mutex_init");
  }
  int n = args.threads;
  queue_init(&p.to_refine, COARSE_QUEUE_CAPACITY, 1);
  queue_init(&p.to_dedup, CHUNK_QUEUE_CAPACITY, n);
  queue_init(&p.to_compress, CHUNK_QUEUE_CAPACITY, n);
  queue_init(&p.to_reorder, CHUNK_QUEUE_CAPACITY, 2 * n);  // dedup and compress feed it
  p.sum = checksum_start();

  int total = 3 * n + 2;
  pthread_t* threads = checked_calloc((size_t)total, sizeof *threads);
  double start = now_seconds();
  start_threads(&threads[0], 1, fragment_stage, &p, 0);
  start_threads(&threads[1], n, refine_stage, &p, 0);
  start_threads(&threads[1 + n], n, dedup_stage, &p, 0);
  start_threads(&threads[1 + 2 * n], n, compress_stage, &p, 0);
  start_threads(&threads[1 + 3 * n], 1, reorder_stage, &p, 0);
  join_threads(threads, total);
  double elapsed = now_seconds() - start;

  report_run(&args, total);
  printf("input_bytes %ld\noutput_bytes %ld\n", p.input_length, p.output_bytes);
  report_result(p.sum, elapsed);
  for (long b = 0; b < TABLE_BUCKETS; b++) {
    while (p.buckets[b]) {
      struct table_entry* entry = p.buckets[b];
      p.buckets[b] = entry->next_in_bucket;
      free(entry);
    }
  }
  queue_destroy(&p.to_reorder);
  queue_destroy(&p.to_compress);
  queue_destroy(&p.to_dedup);
  queue_destroy(&p.to_refine);
  for (int s = 0; s < TABLE_STRIPES; s++) pthread_mutex_destroy(&p.stripe_lock[s]);
  free(threads);
  return 0;
}
