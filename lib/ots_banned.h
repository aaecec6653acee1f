/*
 * ots_banned: functions that have no place in this code base, turned into
 * compile errors (the idea of git's banned.h).  Include it last in every .c.
 */
#ifndef OTS_BANNED_H
#define OTS_BANNED_H

#define OTS_BANNED(func) sorry_##func##_is_banned

#undef strcpy
#define strcpy(x, y) OTS_BANNED(strcpy)
#undef strcat
#define strcat(x, y) OTS_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) OTS_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) OTS_BANNED(strncat)
#undef sprintf
#define sprintf(...) OTS_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) OTS_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) OTS_BANNED(strtok)
#undef gets
#define gets(x) OTS_BANNED(gets)
#undef atoi
#define atoi(x) OTS_BANNED(atoi)
#undef atol
#define atol(x) OTS_BANNED(atol)
#undef gmtime
#define gmtime(x) OTS_BANNED(gmtime)
#undef localtime
#define localtime(x) OTS_BANNED(localtime)
#undef mktemp
#define mktemp(x) OTS_BANNED(mktemp)
#undef alloca
#define alloca(x) OTS_BANNED(alloca)

#endif
