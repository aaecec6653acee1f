/*
 * ots_s3xml: the fields read from S3 answers, on the shapes Ceph RGW
 * and AWS send, and what is refused; ots_s3's key check and canonical
 * query encoding (no store needed: tests/integration/test_s3.c has a
 * real one).
 */
#include <string.h>

#include <criterion/criterion.h>

#include "ots_s3.h"
#include "ots_s3xml.h"

TestSuite(s3xml, .timeout = 10);

static const char listing[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>ots</Name><Prefix>files/</Prefix><KeyCount>2</KeyCount>"
    "<MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>"
    "<Contents><Key>files/AAAAAAAAAAAAAAAAAAAAAA</Key>"
    "<LastModified>2026-12-02T17:04:05.123Z</LastModified>"
    "<ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag>"
    "<Size>1048576</Size><StorageClass>STANDARD</StorageClass></Contents>"
    "<Contents><Size>7</Size><Key>files/B&amp;B</Key>"
    "<LastModified>1970-01-01T00:00:01Z</LastModified></Contents>"
    "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="
    "</NextContinuationToken></ListBucketResult>";

Test(s3xml, listing_fields)
{
	char v[128];
	size_t pos = 0, from = 0, to = 0, p;
	uint64_t t = 0;

	cr_assert_eq(ots_s3xml_text(listing, strlen(listing), &pos,
	    "IsTruncated", v, sizeof(v)), OTS_OK);
	cr_assert_str_eq(v, "true");
	pos = 0;
	cr_assert_eq(ots_s3xml_element(listing, strlen(listing), &pos,
	    "Contents", &from, &to), OTS_OK);
	p = from;
	cr_assert_eq(ots_s3xml_text(listing, to, &p, "Key", v, sizeof(v)),
	    OTS_OK);
	cr_assert_str_eq(v, "files/AAAAAAAAAAAAAAAAAAAAAA");
	p = from;
	cr_assert_eq(ots_s3xml_text(listing, to, &p, "ETag", v, sizeof(v)),
	    OTS_OK);
	cr_assert_str_eq(v, "\"0cc175b9c0f1b6a831c399e269772661\"");
	p = from;
	cr_assert_eq(ots_s3xml_text(listing, to, &p, "LastModified", v,
	    sizeof(v)), OTS_OK);
	cr_assert_eq(ots_s3xml_time(v, &t), OTS_OK);
	cr_assert_eq(t, 1796231045u);
	/* The second entry, its fields in another order. */
	cr_assert_eq(ots_s3xml_element(listing, strlen(listing), &pos,
	    "Contents", &from, &to), OTS_OK);
	p = from;
	cr_assert_eq(ots_s3xml_text(listing, to, &p, "Key", v, sizeof(v)),
	    OTS_OK);
	cr_assert_str_eq(v, "files/B&B");
	p = from;
	cr_assert_eq(ots_s3xml_text(listing, to, &p, "NextContinuationToken",
	    v, sizeof(v)), OTS_ERR_NOTFOUND, "a field outside the entry");
	cr_assert_eq(ots_s3xml_element(listing, strlen(listing), &pos,
	    "Contents", &from, &to), OTS_ERR_NOTFOUND);
	pos = 0;
	cr_assert_eq(ots_s3xml_text(listing, strlen(listing), &pos,
	    "NextContinuationToken", v, sizeof(v)), OTS_OK);
	cr_assert_str_eq(v, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

Test(s3xml, bounds_and_refusals)
{
	static const char err[] = "<Error><Code>NoSuchKey</Code>"
	    "<Message>a &lt;b&gt; &apos;c&apos;</Message></Error>";
	char v[16], tiny[4];
	size_t pos = 0;

	cr_assert_eq(ots_s3xml_text(err, strlen(err), &pos, "Code", v,
	    sizeof(v)), OTS_OK);
	cr_assert_str_eq(v, "NoSuchKey");
	cr_assert_eq(ots_s3xml_text(err, strlen(err), &pos, "Message", v,
	    sizeof(v)), OTS_OK);
	cr_assert_str_eq(v, "a <b> 'c'");
	pos = 0;
	cr_assert_eq(ots_s3xml_text(err, strlen(err), &pos, "Code", tiny,
	    sizeof(tiny)), OTS_ERR_TOOBIG);
	pos = 0;
	cr_assert_eq(ots_s3xml_text("<A>x&nbsp;</A>", 14, &pos, "A", v,
	    sizeof(v)), OTS_ERR_INVAL, "an entity we do not know");
	pos = 0;
	cr_assert_eq(ots_s3xml_text("<A>x&amp</A>", 12, &pos, "A", v,
	    sizeof(v)), OTS_ERR_INVAL, "an entity cut short");
	pos = 0;
	cr_assert_eq(ots_s3xml_text("<A>open", 7, &pos, "A", v, sizeof(v)),
	    OTS_ERR_NOTFOUND, "never closed");
	pos = 0;
	cr_assert_eq(ots_s3xml_text("<A>x</A>", 6, &pos, "A", v, sizeof(v)),
	    OTS_ERR_NOTFOUND, "closed past the end given");
	pos = 9;
	cr_assert_eq(ots_s3xml_text("<A>x</A>", 8, &pos, "A", v, sizeof(v)),
	    OTS_ERR_INVAL, "a position past the end");
}

Test(s3xml, times)
{
	uint64_t t = 0;

	cr_assert_eq(ots_s3xml_time("1970-01-01T00:00:00Z", &t), OTS_OK);
	cr_assert_eq(t, 0u);
	cr_assert_eq(ots_s3xml_time("2000-02-29T12:00:00.5Z", &t), OTS_OK);
	cr_assert_eq(t, 951825600u);
	cr_assert_neq(ots_s3xml_time("2000-02-29T12:00:00", &t), OTS_OK);
	cr_assert_neq(ots_s3xml_time("2000-02-29 12:00:00Z", &t), OTS_OK);
	cr_assert_neq(ots_s3xml_time("2000-13-01T00:00:00Z", &t), OTS_OK);
	cr_assert_neq(ots_s3xml_time("2000-01-01T00:00:00+01:00", &t),
	    OTS_OK);
	cr_assert_neq(ots_s3xml_time("", &t), OTS_OK);
}

Test(s3xml, keys_and_query_values)
{
	char q[32];

	cr_assert(ots_s3_key_ok("files/AbC-_09.x"));
	cr_assert(!ots_s3_key_ok(""));
	cr_assert(!ots_s3_key_ok("/files/a"));
	cr_assert(!ots_s3_key_ok("files/../x"));
	cr_assert(!ots_s3_key_ok("files/a b"));
	cr_assert(!ots_s3_key_ok("files/a?b"));
	cr_assert(!ots_s3_key_ok("files/%41"));
	q[0] = '\0';
	cr_assert_eq(ots_s3_query_encode("a/b+c=d~e f", q, sizeof(q)),
	    OTS_OK);
	cr_assert_str_eq(q, "a%2Fb%2Bc%3Dd~e%20f");
	q[0] = '\0';
	cr_assert_eq(ots_s3_query_encode("\xff", q, sizeof(q)), OTS_OK);
	cr_assert_str_eq(q, "%FF");
	q[0] = '\0';
	cr_assert_eq(ots_s3_query_encode("0123456789/0123456789", q, 23),
	    OTS_ERR_TOOBIG);
}
