/* mmap.c - mapping GEM buffers through the accel file at their fake offsets.
 *
 * Keys: MMAP.<area>.<rule>; offsets are printed only as their distance from 4 GiB, in pages.
 */
#include "bo.h"

#define RW (PROT_READ | PROT_WRITE)
#define OFFSET_START 0x100000000ull

static long pages_from_start(uint64_t off)
{
	return (long)((off - OFFSET_START) >> 12);
}

int main(void)
{
	int fd = c_open_accel0(), fd2 = c_open_accel0();
	uint64_t off1, off1b, off2, off3, off4, size;
	uint32_t h1, h2, h3, h4;
	void *p, *q;

	KV("MMAP.OPEN", "%s", rcstr(fd < 0 ? fd : fd2 < 0 ? fd2 : 0));
	if (fd < 0 || fd2 < 0)
		return 1;

	/* Offsets: made on first request, from 4 GiB, packed, stable, distinct. */
	h1 = (uint32_t)bo_create(fd, 4096);
	h2 = (uint32_t)bo_create(fd, 3 * 4096);
	h3 = (uint32_t)bo_create(fd, 4096);
	bo_info(fd, h1, NULL, &off1);
	bo_info(fd, h2, NULL, &off2);
	bo_info(fd, h3, NULL, &off3);
	bo_info(fd, h1, NULL, &off1b);
	KV("MMAP.OFFSET.FIRST_PAGES_FROM_4G", "%ld", pages_from_start(off1));
	KV("MMAP.OFFSET.SECOND_PAGES_FROM_4G", "%ld", pages_from_start(off2));
	KV("MMAP.OFFSET.THIRD_PAGES_FROM_4G", "%ld", pages_from_start(off3));
	KV("MMAP.OFFSET.STABLE", "%d", off1 == off1b);
	KV("MMAP.OFFSET.PAGE_ALIGNED", "%d", !(off1 & 4095) && !(off2 & 4095) && !(off3 & 4095));

	/* A freed object's range is taken again by the next object that fits. */
	KRC("MMAP.OFFSET.CLOSE_MIDDLE", gem_close(fd, h2));
	h4 = (uint32_t)bo_create(fd, 2 * 4096);
	bo_info(fd, h4, NULL, &off4);
	KV("MMAP.OFFSET.REUSED_HOLE_PAGES_FROM_4G", "%ld", pages_from_start(off4));
	h2 = (uint32_t)bo_create(fd, 4096);
	bo_info(fd, h2, NULL, &off2);
	KV("MMAP.OFFSET.REST_OF_HOLE_PAGES_FROM_4G", "%ld", pages_from_start(off2));

	/* One memory for every mapping. */
	KRC("MMAP.MAP", c_mmap_rc(&p, 4096, RW, MAP_SHARED, fd, off1));
	KRC("MMAP.MAP_SECOND", c_mmap_rc(&q, 4096, RW, MAP_SHARED, fd, off1));
	if (p != MAP_FAILED && q != MAP_FAILED) {
		KV("MMAP.NEW_BUFFER_ZEROED", "%d", bytes_are(p, 4096, 0));
		memset(p, 0x5a, 4096);
		KV("MMAP.SECOND_MAPPING_SEES_WRITES", "%d", bytes_are(q, 4096, 0x5a));
		c_munmap(q, 4096);
	}

	/* Errors. */
	KRC("MMAP.PRIVATE", c_mmap_rc(&q, 4096, RW, MAP_PRIVATE, fd, off1));
	KRC("MMAP.PRIVATE_READ_ONLY", c_mmap_rc(&q, 4096, PROT_READ, MAP_PRIVATE, fd, off1));
	KRC("MMAP.OFFSET_ZERO", c_mmap_rc(&q, 4096, RW, MAP_SHARED, fd, 0));
	KRC("MMAP.OFFSET_BELOW_4G", c_mmap_rc(&q, 4096, RW, MAP_SHARED, fd, OFFSET_START - 4096));
	KRC("MMAP.OFFSET_INSIDE_OBJECT", c_mmap_rc(&q, 4096, RW, MAP_SHARED, fd, off4 + 4096));
	KRC("MMAP.OFFSET_PAST_ALL", c_mmap_rc(&q, 4096, RW, MAP_SHARED, fd, OFFSET_START + (1ull << 30)));
	KRC("MMAP.TOO_LONG", c_mmap_rc(&q, 2 * 4096, RW, MAP_SHARED, fd, off1));
	KRC("MMAP.SHORTER_THAN_OBJECT", c_mmap_rc(&q, 4096, RW, MAP_SHARED, fd, off4));
	if (q != MAP_FAILED)
		c_munmap(q, 4096);
	KRC("MMAP.PARTIAL_PAGE_LENGTH", c_mmap_rc(&q, 100, RW, MAP_SHARED, fd, off3));
	if (q != MAP_FAILED)
		c_munmap(q, 100);
	KRC("MMAP.READ_ONLY_SHARED", c_mmap_rc(&q, 4096, PROT_READ, MAP_SHARED, fd, off3));
	if (q != MAP_FAILED)
		c_munmap(q, 4096);

	/* Only a file with a handle may map. */
	KRC("MMAP.OTHER_FILE_NO_HANDLE", c_mmap_rc(&q, 4096, RW, MAP_SHARED, fd2, off1));

	/* A mapping keeps the object after its last handle goes. */
	KRC("MMAP.CLOSE_MAPPED", gem_close(fd, h1));
	if (p != MAP_FAILED) {
		KV("MMAP.MAPPING_OUTLIVES_HANDLE", "%d", bytes_are(p, 4096, 0x5a));
		memset(p, 0x33, 4096);
		KV("MMAP.MAPPING_STILL_WRITABLE", "%d", bytes_are(p, 4096, 0x33));
	}
	/* The object (and its offset) still exists, but the file holds no handle now. */
	KRC("MMAP.CLOSED_BUT_MAPPED_OFFSET", c_mmap_rc(&q, 4096, RW, MAP_SHARED, fd, off1));
	h1 = (uint32_t)bo_create(fd, 4096);
	bo_info(fd, h1, NULL, &off1b);
	KV("MMAP.OFFSET.NOT_REUSED_WHILE_MAPPED", "%d", off1b != off1);
	if (p != MAP_FAILED)
		KRC("MMAP.UNMAP", c_munmap(p, 4096));
	/* The last reference went with the mapping: the offset names nothing now. */
	KRC("MMAP.FREED_OFFSET", c_mmap_rc(&q, 4096, RW, MAP_SHARED, fd, off1));

	/* Sizes as BO_INFO reports them map whole. */
	bo_info(fd, h4, &size, &off4);
	KRC("MMAP.WHOLE_OBJECT", c_mmap_rc(&q, size, RW, MAP_SHARED, fd, off4));
	if (q != MAP_FAILED) {
		memset(q, 1, size);
		c_munmap(q, size);
	}
	c_close(fd2);
	c_close(fd);
	return 0;
}
