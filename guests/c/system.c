/*
 * system.c — protected-mode system behaviour against QEMU: a GDT with ring-0 and ring-3 segments and
 * a TSS, an IDT, and then faults the CPU must deliver exactly (vector, error code, CS, saved flags):
 * #DE (DIV by zero and IDIV overflow), #UD, #BP, #OF, #BR, #GP and #NP from segment loads, a
 * not-present IDT gate, #PF with paging on (not present / read-only with CR0.WP / execute / user
 * access to a supervisor page; CR2 and the accessed/dirty bits), and ring 3 entered by IRET (INT3
 * through a DPL-3 gate; CLI, and INT to a DPL-0 gate, give #GP). A data access past a segment limit
 * is left out on purpose: QEMU's TCG does not check data-segment limits (src/x86/segment-limits.test.ts
 * follows the SDM there). Built by scripts/build-c-guest.sh; QEMU's output is guests/expected/c-system.txt.
 */
typedef unsigned char u8; typedef unsigned short u16; typedef unsigned int u32; typedef unsigned long long u64;
static inline void outb(u16 p, u8 v){ __asm__ volatile("outb %0,%1"::"a"(v),"Nd"(p)); }
static void pc(char c){ outb(0xe9,c); }
static void ps(const char*s){ while(*s) pc(*s++); }
static void ph(u32 v){ for(int i=28;i>=0;i-=4) pc("0123456789abcdef"[(v>>i)&15]); }
struct __attribute__((packed)) dtr { u16 limit; u32 base; };
static u64 gdt[8] __attribute__((aligned(8)));
static u64 idt[256] __attribute__((aligned(8)));
static u32 tss[26] __attribute__((aligned(16)));
static u32 pd[1024] __attribute__((aligned(4096)));
static u32 pt[1024] __attribute__((aligned(4096)));
static u8 ring0_stack[4096] __attribute__((aligned(16)));
u8 ring3_stack[4096] __attribute__((aligned(16)));
/* Exception record filled by the common handler. */
volatile u32 ex_vec, ex_err, ex_eip, ex_cs, ex_eflags, ex_cr2, ex_count;
volatile u32 resume_eip, saved_esp; /* where the handler continues after a fault */
static u64 seg(u32 base, u32 limit, u8 access, u8 flags){
  return (limit & 0xffffULL) | ((u64)(base & 0xffffff) << 16) | ((u64)access << 40) | ((u64)((limit >> 16) & 0xf) << 48) | ((u64)(flags & 0xf) << 52) | ((u64)(base >> 24) << 56);
}
static u64 gate(u32 off, u16 sel, u8 type_attr){ return (off & 0xffff) | ((u64)sel << 16) | ((u64)type_attr << 40) | ((u64)(off >> 16) << 48); }
__asm__(
".globl isr_common\n"
"isr_common:\n"
"  pushl %eax\n pushl %ebx\n"
"  movl 8(%esp), %eax\n movl %eax, ex_vec\n"
"  movl 12(%esp), %eax\n movl %eax, ex_err\n"
"  movl 16(%esp), %eax\n movl %eax, ex_eip\n"
"  movl 20(%esp), %eax\n movl %eax, ex_cs\n"
"  movl 24(%esp), %eax\n movl %eax, ex_eflags\n"
"  movl %cr2, %eax\n movl %eax, ex_cr2\n"
"  incl ex_count\n"
"  movl resume_eip, %eax\n movl %eax, 16(%esp)\n"   /* continue at resume_eip */
"  movl $0x08, 20(%esp)\n"                             /* ring 0 code */
"  popl %ebx\n popl %eax\n addl $8, %esp\n iret\n"
);
#define NOERR(n) __asm__(".globl isr" #n "\nisr" #n ":\n pushl $0\n pushl $" #n "\n jmp isr_common\n");
#define ERR(n) __asm__(".globl isr" #n "\nisr" #n ":\n pushl $" #n "\n jmp isr_common\n");
NOERR(0) NOERR(1) NOERR(3) NOERR(4) NOERR(5) NOERR(6) NOERR(7) ERR(8) ERR(10) ERR(11) ERR(12) ERR(13) ERR(14) NOERR(16) ERR(17) NOERR(0x40)
extern void isr0(void),isr1(void),isr3(void),isr4(void),isr5(void),isr6(void),isr7(void),isr8(void),isr10(void),isr11(void),isr12(void),isr13(void),isr14(void),isr16(void),isr17(void),isr0x40(void);
static void report(const char*what){ ps(what); ps(": n="); ph(ex_count); ps(" vec="); ph(ex_vec); ps(" err="); ph(ex_err); ps(" cs="); ph(ex_cs & 0xffff); ps(" fl="); ph(ex_eflags & 0x00000cd5); pc('\n'); ex_count=0; ex_vec=ex_err=0xffffffff; }
#define TRY(label, code) do { __asm__ volatile("movl $1f, resume_eip\n movl %%esp, saved_esp\n" code "\n1: movl saved_esp, %%esp\n" ::: "memory","eax","ecx","edx"); report(label); } while(0)
void kmain(void){
  gdt[1]=seg(0,0xfffff,0x9a,0xc); gdt[2]=seg(0,0xfffff,0x92,0xc); gdt[3]=seg(0,0xfffff,0xfa,0xc); gdt[4]=seg(0,0xfffff,0xf2,0xc);
  gdt[5]=seg((u32)tss,sizeof(tss)-1,0x89,0x0);
  struct dtr g={sizeof(gdt)-1,(u32)gdt}; __asm__ volatile("lgdt %0\n ljmp $0x08,$1f\n1: movw $0x10,%%ax\n movw %%ax,%%ds\n movw %%ax,%%es\n movw %%ax,%%ss\n movw %%ax,%%fs\n movw %%ax,%%gs"::"m"(g):"eax");
  void (*h[17])(void)={isr0,isr1,0,isr3,isr4,isr5,isr6,isr7,isr8,0,isr10,isr11,isr12,isr13,isr14,0,isr16};
  for(int i=0;i<17;i++) if(h[i]) idt[i]=gate((u32)h[i],0x08,0x8e);
  idt[3]=gate((u32)isr3,0x08,0xee); idt[4]=gate((u32)isr4,0x08,0xee); idt[0x40]=gate((u32)isr0x40,0x08,0xee);
  struct dtr i={sizeof(idt)-1,(u32)idt}; __asm__ volatile("lidt %0"::"m"(i));
  tss[1]=(u32)(ring0_stack+sizeof(ring0_stack)); tss[2]=0x10; tss[25]=sizeof(tss)<<16; __asm__ volatile("ltr %%ax"::"a"(0x28));
  ex_vec=ex_err=0xffffffff;
  ps("system tests\n");
  TRY("div0", "xorl %%ecx,%%ecx\n movl $5,%%eax\n xorl %%edx,%%edx\n divl %%ecx");
  TRY("idiv-overflow", "movl $0x80000000,%%eax\n movl $0xffffffff,%%edx\n movl $-1,%%ecx\n idivl %%ecx");
  TRY("ud2", "ud2");
  TRY("int3", "int3");
  TRY("into", "movl $0x7fffffff,%%eax\n addl $1,%%eax\n into");
  TRY("bound", "subl $8,%%esp\n movl $10,(%%esp)\n movl $20,4(%%esp)\n movl $30,%%eax\n boundl %%eax,(%%esp)\n addl $8,%%esp");
  TRY("gp-null-ss", "xorl %%eax,%%eax\n movw %%ax,%%ss");
  TRY("gp-bad-selector", "movl $0x1234,%%eax\n movw %%ax,%%ds");
  TRY("np-not-present", "movl $0x38,%%eax\n movw %%ax,%%ds");
  TRY("gp-privileged-in-ring0-ok", "movl %%cr0,%%eax\n movl %%eax,%%cr0");
  TRY("int-0x40-missing-gate-present", "int $0x40");
  TRY("int-0x41-not-present", "int $0x41");
  /* paging: identity-map the first 4 MiB with 4 KiB pages, page 0x300000 not present, 0x301000 read-only, 0x302000 supervisor */
  for(int k=0;k<1024;k++) pt[k]=(k<<12)|7; pt[0x300]=0; pt[0x301]=(0x301<<12)|5; pt[0x302]=(0x302<<12)|3;
  pd[0]=(u32)pt|7; for(int k=1;k<1024;k++) pd[k]=0;
  __asm__ volatile("movl %0,%%cr3\n movl %%cr0,%%eax\n orl $0x80000000,%%eax\n movl %%eax,%%cr0"::"r"(pd):"eax");
  TRY("pf-not-present-read", "movl 0x300010,%%eax");
  ps(" cr2="); ph(ex_cr2); pc('\n');
  TRY("pf-not-present-write", "movl %%eax,0x300020");
  ps(" cr2="); ph(ex_cr2); pc('\n');
  TRY("pf-ro-write-ring0-wp0-ok", "movl %%eax,0x301000");
  __asm__ volatile("movl %%cr0,%%eax\n orl $0x10000,%%eax\n movl %%eax,%%cr0":::"eax");
  TRY("pf-ro-write-ring0-wp1", "movl %%eax,0x301004");
  ps(" cr2="); ph(ex_cr2); pc('\n');
  TRY("pf-not-present-exec", "movl $0x300000,%%eax\n call *%%eax");
  ps(" cr2="); ph(ex_cr2); pc('\n');
  ps("accessed/dirty: "); ph(pt[0x301]&0x60); pc(' '); ph(pt[5]&0x60); pc(' '); ph(pd[0]&0x60); pc('\n');
  __asm__ volatile("movw $0x23,%%ax\n movw %%ax,%%ds\n movw %%ax,%%es":::"eax");
  /* ring 3: iret to user code that does a user-mode store to a supervisor page, then int3 (DPL 3 gate) */
  TRY("ring3-supervisor-page", "pushl $0x23\n pushl $(ring3_stack+4096)\n pushfl\n pushl $0x1b\n pushl $2f\n iret\n2: movl %%eax,0x302000\n jmp .");
  ps(" cr2="); ph(ex_cr2); pc('\n');
  TRY("ring3-int3", "pushl $0x23\n pushl $(ring3_stack+4096)\n pushfl\n pushl $0x1b\n pushl $3f\n iret\n3: int3\n jmp .");
  TRY("ring3-cli-gp", "pushl $0x23\n pushl $(ring3_stack+4096)\n pushfl\n pushl $0x1b\n pushl $4f\n iret\n4: cli\n jmp .");
  TRY("ring3-int-0x0d-dpl0-gate-gp", "pushl $0x23\n pushl $(ring3_stack+4096)\n pushfl\n pushl $0x1b\n pushl $5f\n iret\n5: int $0x0d\n jmp .");
  __asm__ volatile("movw $0x10,%%ax\n movw %%ax,%%ds\n movw %%ax,%%es":::"eax");
  ps("done\n");
  outb(0xf4,0x12);
}
