/*
 * torture.c — compiler-generated code against QEMU: thousands of pseudo-random 8/16/32/64-bit
 * additions, multiplications, divisions, shifts and comparisons, bit scans, byte swaps, bit-fields,
 * a jump table, function pointers, block copies and recursion, folded into FNV-1a hashes printed per
 * section. Built at -O0 and at -O2 -march=i686 (CMOV) by scripts/build-c-guest.sh; QEMU's output
 * is recorded in guests/expected/c-torture-O0.txt and c-torture-O2.txt and must match exactly.
 */
typedef unsigned char u8; typedef unsigned short u16; typedef unsigned int u32; typedef unsigned long long u64;
typedef signed char s8; typedef short s16; typedef int s32; typedef long long s64;
static inline void outb(u16 p, u8 v){ __asm__ volatile("outb %0,%1"::"a"(v),"Nd"(p)); }
static void pc(char c){ outb(0xe9,c); }
static void ps(const char*s){ while(*s) pc(*s++); }
static void ph(u32 v){ for(int i=28;i>=0;i-=4) pc("0123456789abcdef"[(v>>i)&15]); }
static void ph64(u64 v){ ph((u32)(v>>32)); ph((u32)v); }
static u32 h=2166136261u;
static void mix(u32 v){ for(int i=0;i<4;i++){ h^=(v>>(i*8))&0xff; h*=16777619u; } }
static void mix64(u64 v){ mix((u32)v); mix((u32)(v>>32)); }
static u32 seed=1;
static u32 rnd(void){ seed ^= seed<<13; seed ^= seed>>17; seed ^= seed<<5; return seed; }
static u64 rnd64(void){ return ((u64)rnd()<<32)|rnd(); }
struct bf { unsigned a:3, b:7, c:13; signed d:5; };
typedef u32 (*op_t)(u32,u32);
static u32 op_add(u32 a,u32 b){return a+b;} static u32 op_sub(u32 a,u32 b){return a-b;}
static u32 op_xor(u32 a,u32 b){return a^b;} static u32 op_rol(u32 a,u32 b){b&=31; return b?(a<<b)|(a>>(32-b)):a;}
static op_t ops[4]={op_add,op_sub,op_xor,op_rol};
static int fib(int n){ return n<2?n:fib(n-1)+fib(n-2); }
static u32 sw(u32 x){ switch(x%11){case 0:return x*3;case 1:return x^0x55;case 2:return x>>3;case 3:return ~x;case 4:return x+0x1234;case 5:return x*x;case 6:return x/7;case 7:return x%13;case 8:return (u32)-(s32)x;case 9:return x<<5; default:return x|1;} }
static u8 buf1[4096], buf2[4096];
void *memcpy(void *d, const void *s, unsigned n){ u8*a=d; const u8*b=s; while(n--) *a++=*b++; return d; }
void *memset(void *d, int c, unsigned n){ u8*a=d; while(n--) *a++=(u8)c; return d; }
int memcmp(const void *x, const void *y, unsigned n){ const u8*a=x,*b=y; for(;n;n--,a++,b++) if(*a!=*b) return *a-*b; return 0; }
static void section(const char*name){ ps(name); pc('='); ph(h); pc('\n'); }
void kmain(void){
  ps("torture\n");
  for(int i=0;i<3000;i++){ u32 a=rnd(),b=rnd(); s32 sa=(s32)a, sb=(s32)b;
    mix(a+b); mix(a-b); mix(a*b); mix(a&b); mix(a|b); mix(a^b);
    if(b) { mix(a/b); mix(a%b); } if(sb && !(sa==(s32)0x80000000 && sb==-1)) { mix((u32)(sa/sb)); mix((u32)(sa%sb)); }
    mix(a<<(b&31)); mix(a>>(b&31)); mix((u32)(sa>>(b&31)));
    mix((u32)((u64)a*b>>32)); mix((u32)((s64)sa*sb>>32)); mix(a<b); mix(sa<sb); mix(a==b);
    u8 c=(u8)a, d=(u8)b; mix((u8)(c+d)); mix((u8)(c*d)); mix((s8)c>(s8)d); mix((u16)((u16)a*(u16)b)); mix((s16)a/((s16)b|1));
  } section("int32");
  for(int i=0;i<2000;i++){ u64 a=rnd64(),b=rnd64(); s64 sa=(s64)a; unsigned s=rnd()&63;
    mix64(a+b); mix64(a-b); mix64(a*b); mix64(a<<s); mix64(a>>s); mix64((u64)(sa>>s)); mix64(a<b); mix64(sa<(s64)b);
    mix64(~a&b); mix64(a==b); mix64(a>>32|b<<32);
  } section("int64");
  for(int i=0;i<2000;i++){ u32 a=rnd(); if(!a) a=1;
    mix(__builtin_clz(a)); mix(__builtin_ctz(a)); { u32 p=a,n=0; while(p){ p&=p-1; n++; } mix(n); } mix(__builtin_bswap32(a)); mix(__builtin_parity(a));
    mix64(__builtin_bswap64(rnd64())); mix(sw(a)); mix(ops[a&3](a,rnd()));
  } section("bits");
  for(int i=0;i<500;i++){ struct bf x; u32 r=rnd(); x.a=r; x.b=r>>3; x.c=r>>10; x.d=(int)(r>>23); mix(x.a); mix(x.b); mix(x.c); mix((u32)x.d); x.c+=x.b; x.d-=x.a; mix(x.c); mix((u32)x.d); } section("bitfield");
  for(int i=0;i<4096;i++) buf1[i]=(u8)rnd();
  for(int k=0;k<200;k++){ u32 off=rnd()%2048, len=rnd()%2048; __builtin_memcpy(buf2+off, buf1+(rnd()%2048), len); __builtin_memset(buf1+(rnd()%2048), rnd(), rnd()%1024); mix(__builtin_memcmp(buf1,buf2,64)); }
  for(int i=0;i<4096;i+=4) mix(*(u32*)(buf2+i)^*(u32*)(buf1+i)); section("memory");
  mix(fib(20)); section("recursion");
  volatile u32 v=123456789; for(int i=0;i<10000;i++){ v=v*2654435761u+(v>>7); } mix(v); section("volatile");
  outb(0xf4,0x11);
}
