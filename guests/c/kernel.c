/*
 * kernel.c — a Multiboot kernel written in C and compiled by GCC (-m32 -O2), so the CPU meets the
 * code a compiler emits rather than hand-written assembly: a quicksort, a sieve, 64-bit arithmetic
 * done with 32-bit instructions, formatted output on the debug console, and the exit device.
 * Built by scripts/build-c-guest.sh into public/guests/c-kernel.elf (committed, as GCC's exact
 * output depends on its version); QEMU's output is recorded in guests/expected/c-kernel.txt.
 */
typedef unsigned int u32; typedef unsigned long long u64;
static inline void outb(unsigned short p, unsigned char v){ __asm__ volatile("outb %0,%1"::"a"(v),"Nd"(p)); }
static void putc_(char c){ outb(0xe9,c); }
static void puts_(const char*s){ while(*s) putc_(*s++); }
static void putu(u64 v){ char b[24]; int i=0; do{ b[i++]='0'+v%10; v/=10;}while(v); while(i) putc_(b[--i]); }
static void puth(u32 v){ for(int i=28;i>=0;i-=4) putc_("0123456789abcdef"[(v>>i)&15]); }
static int arr[1000]; static char sieve[10000];
static void qs(int*a,int n){ if(n<2) return; int p=a[n/2],i=0,j=n-1; while(i<=j){ while(a[i]<p)i++; while(a[j]>p)j--; if(i<=j){int t=a[i];a[i]=a[j];a[j]=t;i++;j--;} } qs(a,j+1); qs(a+i,n-i); }
void kmain(u32 magic, u32 *info){
  puts_("C kernel: magic="); puth(magic); puts_(" flags="); puth(info[0]); puts_(" mem_upper="); putu(info[2]); putc_('\n');
  u32 x=12345; for(int i=0;i<1000;i++){ x=x*1103515245u+12345u; arr[i]=(int)(x>>8)%100000; }
  qs(arr,1000); u64 s=0; for(int i=0;i<1000;i++) s=s*31+arr[i]; puts_("sorted hash="); putu(s); putc_('\n');
  int primes=0; for(int i=2;i<10000;i++) if(!sieve[i]){primes++; for(int j=i*i;j<10000;j+=i) sieve[j]=1;} puts_("primes="); putu(primes); putc_('\n');
  long long a=-123456789012LL; long long q=a/7; long long r=a%7; puts_("div: "); putu((u64)(-q)); putc_(' '); putu((u64)(-r)); putc_('\n');
  u64 m=0xfedcba9876543210ULL; m=(m>>13)|(m<<51); puts_("rot="); puth((u32)(m>>32)); puth((u32)m); putc_('\n');
  outb(0xf4,0x2a);
}
