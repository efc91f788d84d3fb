// One call that parses a file and returns its whole syntax tree as a flat array, so that mirroring the
// tree in JavaScript (src/frontend/syntax.ts) costs no call into native code per node: through
// tree-sitter's Node binding every node costs five or six N-API crossings, as much as the parse itself.
//
// parse(language, text) returns a Uint32Array with RECORD words per visible node, in document order
// (the order of a TreeCursor walk); see the field offsets below. language(language) returns the
// grammar's symbol and field names. `language` is the External that a tree-sitter grammar package
// exports (tree-sitter-python's `language`), so the grammar itself is not compiled here again.
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

enum { SYMBOL, FIELD, START, END, FLAGS, PARENT, SUBTREE_END, RECORD };
enum { FLAG_NAMED = 1, FLAG_MISSING = 2 };
#define NO_PARENT UINT32_MAX

typedef struct {
  uint32_t *words;
  size_t count, capacity;
} Records;

typedef struct {
  uint32_t *items;
  size_t count, capacity;
} Path;

static int grow(void **items, size_t *capacity, size_t needed, size_t size) {
  if (needed <= *capacity) return 1;
  size_t next = *capacity ? *capacity * 2 : 1024;
  while (next < needed) next *= 2;
  void *moved = realloc(*items, next * size);
  if (!moved) return 0;
  *items = moved;
  *capacity = next;
  return 1;
}

/** Appends the cursor's node; returns its index, or UINT32_MAX when out of memory. */
static uint32_t record(Records *records, TSTreeCursor *cursor, uint32_t parent) {
  if (!grow((void **)&records->words, &records->capacity, (records->count + 1) * RECORD, sizeof(uint32_t))) return UINT32_MAX;
  TSNode node = ts_tree_cursor_current_node(cursor);
  uint32_t *r = records->words + records->count * RECORD;
  r[SYMBOL] = ts_node_symbol(node);
  r[FIELD] = ts_tree_cursor_current_field_id(cursor);
  // Byte offsets of UTF-16 text: halved, they are indices into the JavaScript string.
  r[START] = ts_node_start_byte(node) / 2;
  r[END] = ts_node_end_byte(node) / 2;
  r[FLAGS] = (ts_node_is_named(node) ? FLAG_NAMED : 0) | (ts_node_is_missing(node) ? FLAG_MISSING : 0);
  r[PARENT] = parent;
  r[SUBTREE_END] = 0;
  return (uint32_t)records->count++;
}

static int push(Path *path, uint32_t index) {
  if (!grow((void **)&path->items, &path->capacity, path->count + 1, sizeof(uint32_t))) return 0;
  path->items[path->count++] = index;
  return 1;
}

/** Walks the tree iteratively (a deep tree must not overflow the stack). Returns 0 when out of memory. */
static int flatten(TSTree *tree, Records *records) {
  TSTreeCursor cursor = ts_tree_cursor_new(ts_tree_root_node(tree));
  Path path = {0};
  int ok = 0;
  uint32_t index = record(records, &cursor, NO_PARENT);
  if (index == UINT32_MAX || !push(&path, index)) goto done;
  for (;;) {
    if (ts_tree_cursor_goto_first_child(&cursor)) {
      index = record(records, &cursor, path.items[path.count - 1]);
      if (index == UINT32_MAX || !push(&path, index)) goto done;
      continue;
    }
    for (;;) {
      // The node at the top of the path and everything under it are recorded.
      uint32_t finished = path.items[--path.count];
      records->words[finished * RECORD + SUBTREE_END] = (uint32_t)records->count;
      if (!path.count) {
        ok = 1;
        goto done;
      }
      if (ts_tree_cursor_goto_next_sibling(&cursor)) {
        index = record(records, &cursor, path.items[path.count - 1]);
        if (index == UINT32_MAX || !push(&path, index)) goto done;
        break;
      }
      ts_tree_cursor_goto_parent(&cursor);
    }
  }
done:
  free(path.items);
  ts_tree_cursor_delete(&cursor);
  return ok;
}

static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

static const TSLanguage *language_arg(napi_env env, napi_value value) {
  napi_valuetype type;
  void *language = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external) return NULL;
  if (napi_get_value_external(env, value, &language) != napi_ok) return NULL;
  return (const TSLanguage *)language;
}

static void delete_parser(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  ts_parser_delete((TSParser *)data);
}

/** parse(language, text): Uint32Array */
static napi_value parse(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) return fail(env, "parse(language, text) takes two arguments");
  const TSLanguage *language = language_arg(env, argv[0]);
  if (!language) return fail(env, "parse: the first argument is not a tree-sitter language");
  size_t length = 0;
  if (napi_get_value_string_utf16(env, argv[1], NULL, 0, &length) != napi_ok) return fail(env, "parse: the second argument is not a string");
  char16_t *text = malloc((length + 1) * sizeof(char16_t));
  if (!text) return fail(env, "parse: out of memory");
  napi_get_value_string_utf16(env, argv[1], text, length + 1, &length);

  // One parser per JavaScript environment (the main thread and each worker thread have their own).
  TSParser *parser = NULL;
  napi_get_instance_data(env, (void **)&parser);
  if (!parser) {
    parser = ts_parser_new();
    napi_set_instance_data(env, parser, delete_parser, NULL);
  }
  if (!ts_parser_set_language(parser, language)) {
    free(text);
    return fail(env, "parse: the language's ABI version is not supported by this tree-sitter");
  }
  TSTree *tree = ts_parser_parse_string_encoding(parser, NULL, (const char *)text, (uint32_t)(length * sizeof(char16_t)), TSInputEncodingUTF16LE);
  free(text);
  if (!tree) return fail(env, "parse: tree-sitter returned no tree");
  Records records = {0};
  int ok = flatten(tree, &records);
  ts_tree_delete(tree);
  if (!ok) {
    free(records.words);
    return fail(env, "parse: out of memory");
  }
  size_t bytes = records.count * RECORD * sizeof(uint32_t);
  void *data = NULL;
  napi_value buffer, array;
  if (napi_create_arraybuffer(env, bytes, &data, &buffer) != napi_ok) {
    free(records.words);
    return fail(env, "parse: cannot allocate the result");
  }
  memcpy(data, records.words, bytes);
  free(records.words);
  napi_create_typedarray(env, napi_uint32_array, records.count * RECORD, buffer, 0, &array);
  return array;
}

static napi_value string_array(napi_env env, const char *(*name)(const TSLanguage *, uint32_t), const TSLanguage *language, uint32_t count) {
  napi_value array;
  napi_create_array_with_length(env, count, &array);
  for (uint32_t i = 0; i < count; i++) {
    const char *text = name(language, i);
    napi_value value;
    if (text) napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &value);
    else napi_get_null(env, &value);
    napi_set_element(env, array, i, value);
  }
  return array;
}

static const char *symbol_name(const TSLanguage *language, uint32_t symbol) { return ts_language_symbol_name(language, (TSSymbol)symbol); }
static const char *field_name(const TSLanguage *language, uint32_t field) { return field ? ts_language_field_name_for_id(language, (TSFieldId)field) : NULL; }

/** language(language): { symbols: string[], fields: (string | null)[] }, indexed by symbol and field id. */
static napi_value describe(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return fail(env, "language(language) takes one argument");
  const TSLanguage *language = language_arg(env, argv[0]);
  if (!language) return fail(env, "language: the argument is not a tree-sitter language");
  napi_value result;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "symbols", string_array(env, symbol_name, language, ts_language_symbol_count(language)));
  napi_set_named_property(env, result, "fields", string_array(env, field_name, language, ts_language_field_count(language) + 1));
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  napi_create_function(env, "parse", NAPI_AUTO_LENGTH, parse, NULL, &fn);
  napi_set_named_property(env, exports, "parse", fn);
  napi_create_function(env, "language", NAPI_AUTO_LENGTH, describe, NULL, &fn);
  napi_set_named_property(env, exports, "language", fn);
  return exports;
}
