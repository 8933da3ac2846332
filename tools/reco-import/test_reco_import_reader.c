/* Unit tests for reco_import_reader: CSV and JSON-lines records with their line numbers, read
 * from in-memory files (fmemopen), and row counting for progress. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "reco_import_reader.h"

static FILE *memfile(const char *text)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(f);
    return f;
}

static void expect_cells(reco_import_reader_t *r, long line, size_t n, const char *const *cells)
{
    reco_import_record_t rec;
    assert_int_equal(reco_import_reader_next(r, &rec), 1);
    assert_int_equal(rec.line, line);
    assert_int_equal(rec.n, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(rec.cells[i], cells[i]);
}

static void test_csv_records_and_lines(void **state)
{
    (void)state;
    const char *text = "user,item,note\r\n"
                       "u1,i1,plain\r\n"
                       "\r\n"
                       "u2,i2,\"two\nlines, and \"\"quotes\"\"\"\n"
                       "u3,,\n"
                       "u4,i4,last line without newline";
    FILE *f = memfile(text);
    reco_import_reader_t *r = reco_import_reader_new(f, RECO_FORMAT_CSV);
    assert_non_null(r);
    expect_cells(r, 1, 3, (const char *[]){"user", "item", "note"});
    expect_cells(r, 2, 3, (const char *[]){"u1", "i1", "plain"});
    expect_cells(r, 4, 3, (const char *[]){"u2", "i2", "two\nlines, and \"quotes\""});
    expect_cells(r, 6, 3, (const char *[]){"u3", "", ""});
    expect_cells(r, 7, 3, (const char *[]){"u4", "i4", "last line without newline"});
    reco_import_record_t rec;
    assert_int_equal(reco_import_reader_next(r, &rec), 0);
    assert_int_equal(reco_import_reader_offset(r), (long long)strlen(text));
    reco_import_reader_destroy(&r);
    assert_null(r);
    fclose(f);
}

static void test_jsonl(void **state)
{
    (void)state;
    FILE *f = memfile("{\"user\":\"u\",\"item\":\"i\"}\n\n   \n{not json}\n[1]\n");
    reco_import_reader_t *r = reco_import_reader_new(f, RECO_FORMAT_JSONL);
    reco_import_record_t rec;
    assert_int_equal(reco_import_reader_next(r, &rec), 1);
    assert_int_equal(rec.line, 1);
    assert_true(json_is_object(rec.value));
    assert_string_equal(json_string_value(json_object_get(rec.value, "user")), "u");
    assert_int_equal(reco_import_reader_next(r, &rec), 1);
    assert_int_equal(rec.line, 4);
    assert_null(rec.value);
    assert_non_null(rec.error);
    assert_int_equal(reco_import_reader_next(r, &rec), 1);
    assert_int_equal(rec.line, 5);
    assert_true(json_is_array(rec.value));
    assert_int_equal(reco_import_reader_next(r, &rec), 0);
    reco_import_reader_destroy(&r);
    fclose(f);
}

static void test_count_rows(void **state)
{
    (void)state;
    char path[] = "/tmp/reco-import-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "a,b\n1,2\n3,4\n5,6";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    FILE *f = fopen(path, "r");
    assert_int_equal(reco_import_count_rows(f, RECO_FORMAT_CSV), 3);
    assert_int_equal(reco_import_count_rows(f, RECO_FORMAT_JSONL), 4);
    assert_int_equal(ftell(f), 0); /* rewound */
    fclose(f);
    unlink(path);
}

static void test_formats(void **state)
{
    (void)state;
    assert_int_equal(reco_import_format_from_name("ratings.csv"), RECO_FORMAT_CSV);
    assert_int_equal(reco_import_format_from_name("/x/events.jsonl"), RECO_FORMAT_JSONL);
    assert_int_equal(reco_import_format_from_name("events.ndjson"), RECO_FORMAT_JSONL);
    assert_int_equal(reco_import_format_from_name("a.dir/events"), -1);
    assert_int_equal(reco_import_format_from_name("-"), -1);
    assert_int_equal(reco_import_format_from_name("events.tsv"), -1);
    assert_int_equal(reco_import_format_parse("csv"), RECO_FORMAT_CSV);
    assert_int_equal(reco_import_format_parse("xml"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_records_and_lines),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_count_rows),
        cmocka_unit_test(test_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
