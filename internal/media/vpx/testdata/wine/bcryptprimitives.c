// bcryptprimitives.c: the one export of Windows 10's bcryptprimitives.dll
// that Go >= 1.24 needs at start (the runtime's random source), for Wine 8,
// which ships no such DLL: without it a Go .exe dies with
// "bcryptprimitives.dll not found". TestWine builds it with mingw and puts it
// in its Wine prefix's system32. Real Windows has the DLL; never ship this.
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
      return FALSE;
    }
    data += n;
    len -= n;
  }
  return TRUE;
}
