/* mcuforge instruction counter: a QEMU TCG plugin (plugin API version 1, QEMU 7.2+).
 *
 * Counts every guest instruction executed (inline add per instruction, so the count is exact
 * even when a translation block is left early), and the instructions executed between the
 * benchmark markers: a region runs from the first instruction of mf_bench_start up to, not
 * including, the first instruction of mf_bench_stop. Regions are reported in order.
 *
 * On RISC-V it also gives an LMUL-weighted count: a vector instruction counts as many times as
 * the largest register group it reads or writes. The group size comes from the vtype set by the
 * last executed vsetvli/vsetivli (its immediate): LMUL for ordinary vector instructions, 2*LMUL
 * for widening and narrowing ones, EEW/SEW*LMUL for loads and stores, the register count for
 * whole-register moves, loads and stores, and 1 for scalar moves and mask-register logic;
 * fractional group sizes count 1. A register-form vsetvl (vtype not known from the encoding)
 * is counted in "vsetvl_register_form" and its LMUL taken as 8, the largest.
 *
 * Arguments: out=FILE (JSON written at exit), start=ADDR, stop=ADDR (marker addresses, hex),
 * max_regions=N, live=FILE (each region appended as "insns weighted" when it ends, for a host
 * that reads counts while the program keeps running, like the HIL firmware). Debian's QEMU ships no qemu-plugin.h, so the v1 API is declared here.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- QEMU plugin API, version 1 (include/qemu/qemu-plugin.h of QEMU 7.2) ---- */
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t {
    const char *target_name;
    struct {
        int min;
        int cur;
    } version;
    bool system_emulation;
    union {
        struct {
            int smp_vcpus;
            int max_vcpus;
        } system;
    };
} qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

/* ---- state ---- */
static uint64_t total;        /* every executed instruction */
static uint64_t vector_extra; /* sum over vector instructions of (weight - 1) */
static uint64_t vsetvl_register_form;
static unsigned cur_lmul8 = 8; /* LMUL in eighths: mf8 = 1 ... m8 = 64 */
static unsigned cur_sew = 8;
static uint64_t marker_start = UINT64_MAX, marker_stop = UINT64_MAX;
static FILE *live;
static bool in_region;
static uint64_t region_total, region_extra;
static uint64_t *regions; /* pairs: instructions, LMUL-weighted instructions */
static size_t n_regions, cap_regions, max_regions = 1u << 22, dropped_regions, unmatched_stops;
static char *out_path;
static bool riscv;

/* ---- RVV classification, done once per translated instruction ---- */
enum vkind { V_NONE, V_CONFIG, V_CONFIG_REG, V_LMUL, V_WIDE, V_ONE, V_FIXED, V_MEM, V_MEM_INDEXED };

/* userdata packs kind (4 bits) | fixed count or EEW (8 bits) | nf (4 bits) | vtype (11 bits) */
#define PACK(kind, a, nf, vtype) \
    ((void *)(uintptr_t)((unsigned)(kind) | ((unsigned)(a) << 4) | ((unsigned)(nf) << 12) | ((unsigned)(vtype) << 16)))

static const unsigned lmul8_of[8] = {8, 16, 32, 64, 0, 1, 2, 4};

static unsigned groups(uint64_t size8) { return size8 <= 8 ? 1u : (unsigned)(size8 / 8); }

static void *classify_rvv(uint32_t insn) {
    uint32_t opcode = insn & 0x7F, funct3 = (insn >> 12) & 7, funct6 = insn >> 26;
    if (opcode == 0x57) { /* OP-V */
        if (funct3 == 7) {
            if ((insn >> 31) == 0) return PACK(V_CONFIG, 0, 0, (insn >> 20) & 0x7FF);  /* vsetvli */
            if ((insn >> 30) == 3) return PACK(V_CONFIG, 0, 0, (insn >> 20) & 0x3FF);  /* vsetivli */
            return PACK(V_CONFIG_REG, 0, 0, 0);                                           /* vsetvl */
        }
        bool opi = funct3 == 0 || funct3 == 3 || funct3 == 4;
        bool opm = funct3 == 2 || funct3 == 6;
        bool opf = funct3 == 1 || funct3 == 5;
        uint32_t vs1 = (insn >> 15) & 0x1F;
        if (opi && funct6 >= 0x2C && funct6 <= 0x2F) return PACK(V_WIDE, 0, 0, 0); /* vnsrl..vnclip */
        if (opi && funct6 == 0x27 && funct3 == 3) return PACK(V_FIXED, vs1 + 1, 0, 0); /* vmv<n>r.v */
        if (opm && funct6 >= 0x30) return PACK(V_WIDE, 0, 0, 0);                   /* vwadd..vwmacc */
        if (opm && funct6 == 0x10) return PACK(V_ONE, 0, 0, 0);     /* vmv.x.s vcpop vfirst vmv.s.x */
        if (funct3 == 2 && funct6 >= 0x18 && funct6 <= 0x1F) return PACK(V_ONE, 0, 0, 0); /* vmand.. */
        if (opf && funct6 == 0x10) return PACK(V_ONE, 0, 0, 0);     /* vfmv.f.s vfmv.s.f */
        if (opf && funct6 >= 0x30 && funct6 != 0x31 && funct6 != 0x33) return PACK(V_WIDE, 0, 0, 0);
        if (funct3 == 1 && funct6 == 0x12 && vs1 >= 0x08 && vs1 <= 0x17) return PACK(V_WIDE, 0, 0, 0);
        return PACK(V_LMUL, 0, 0, 0); /* incl. widening reductions: their largest group is LMUL */
    }
    if (opcode == 0x07 || opcode == 0x27) { /* LOAD-FP / STORE-FP: vector when width is 0,5,6,7 */
        static const int eew_of[8] = {8, 0, 0, 0, 0, 16, 32, 64};
        int eew = eew_of[funct3];
        if (!eew) return NULL;
        uint32_t mop = (insn >> 26) & 3, nf = (insn >> 29) + 1, umop = (insn >> 20) & 0x1F;
        if (mop == 0 && umop == 0x08) return PACK(V_FIXED, nf, 0, 0); /* whole-register vl<n>r/vs<n>r */
        if (mop == 0 && umop == 0x0B) return PACK(V_ONE, 0, 0, 0);    /* vlm.v / vsm.v */
        return PACK(mop & 1 ? V_MEM_INDEXED : V_MEM, eew, nf, 0);
    }
    return NULL;
}

static void on_vector(unsigned int vcpu, void *udata) {
    (void)vcpu;
    uintptr_t u = (uintptr_t)udata;
    unsigned kind = u & 0xF, a = (u >> 4) & 0xFF, nf = (u >> 12) & 0xF, vtype = (u >> 16) & 0x7FF;
    unsigned weight = 1;
    switch (kind) {
    case V_CONFIG:
        cur_lmul8 = lmul8_of[vtype & 7] ? lmul8_of[vtype & 7] : 8;
        cur_sew = 8u << ((vtype >> 3) & 7);
        break;
    case V_CONFIG_REG:
        vsetvl_register_form++;
        cur_lmul8 = 64;
        break;
    case V_LMUL:
        weight = groups(cur_lmul8);
        break;
    case V_WIDE:
        weight = groups(2u * cur_lmul8);
        break;
    case V_FIXED:
        weight = a;
        break;
    case V_MEM: /* data group EMUL = EEW/SEW * LMUL, times the number of segment fields */
        weight = nf * groups((uint64_t)cur_lmul8 * a / cur_sew);
        break;
    case V_MEM_INDEXED: { /* data uses SEW/LMUL, the index vector EEW */
        unsigned data = nf * groups(cur_lmul8), index = groups((uint64_t)cur_lmul8 * a / cur_sew);
        weight = data > index ? data : index;
        break;
    }
    default:
        break;
    }
    vector_extra += weight - 1;
}

static void on_start(unsigned int vcpu, void *udata) {
    (void)vcpu;
    (void)udata;
    /* Exec callbacks run before the instruction's own inline count: `total` excludes it. */
    in_region = true;
    region_total = total;
    region_extra = vector_extra;
}

static void on_stop(unsigned int vcpu, void *udata) {
    (void)vcpu;
    (void)udata;
    if (!in_region) {
        unmatched_stops++;
        return;
    }
    in_region = false;
    if (live) {
        fprintf(live, "%" PRIu64 " %" PRIu64 "\n", total - region_total, total - region_total + (vector_extra - region_extra));
        fflush(live);
    }
    if (n_regions == cap_regions) {
        size_t cap = cap_regions ? 2 * cap_regions : 1024;
        uint64_t *grown = cap <= max_regions ? realloc(regions, 2 * cap * sizeof *regions) : NULL;
        if (!grown) {
            dropped_regions++;
            return;
        }
        regions = grown;
        cap_regions = cap;
    }
    uint64_t n = total - region_total;
    regions[2 * n_regions] = n;
    regions[2 * n_regions + 1] = n + (vector_extra - region_extra);
    n_regions++;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
        if (vaddr == marker_start)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start, QEMU_PLUGIN_CB_NO_REGS, NULL);
        if (vaddr == marker_stop)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_stop, QEMU_PLUGIN_CB_NO_REGS, NULL);
        if (riscv && qemu_plugin_insn_size(insn) == 4) {
            uint32_t word;
            memcpy(&word, qemu_plugin_insn_data(insn), 4);
            void *cls = classify_rvv(word);
            if (cls) qemu_plugin_register_vcpu_insn_exec_cb(insn, on_vector, QEMU_PLUGIN_CB_NO_REGS, cls);
        }
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &total, 1);
    }
}

static void on_plugin_exit(qemu_plugin_id_t id, void *udata) {
    (void)id;
    (void)udata;
    FILE *f = out_path ? fopen(out_path, "w") : stderr;
    if (!f) return;
    fprintf(f, "{\"insns\": %" PRIu64 ", \"insns_lmul_weighted\": %" PRIu64, total, total + vector_extra);
    fprintf(f, ", \"vsetvl_register_form\": %" PRIu64 ", \"regions_dropped\": %zu", vsetvl_register_form,
            dropped_regions);
    fprintf(f, ", \"unmatched_stops\": %zu, \"open_region\": %s, \"regions\": [", unmatched_stops,
            in_region ? "true" : "false");
    for (size_t i = 0; i < n_regions; i++)
        fprintf(f, "%s[%" PRIu64 ", %" PRIu64 "]", i ? ", " : "", regions[2 * i], regions[2 * i + 1]);
    fprintf(f, "]}\n");
    if (f != stderr) fclose(f);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv) {
    for (int i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) continue;
        *eq = '\0';
        const char *key = argv[i], *value = eq + 1;
        if (!strcmp(key, "out")) out_path = strdup(value);
        else if (!strcmp(key, "start")) marker_start = strtoull(value, NULL, 0);
        else if (!strcmp(key, "stop")) marker_stop = strtoull(value, NULL, 0);
        else if (!strcmp(key, "max_regions")) max_regions = strtoull(value, NULL, 0);
        else if (!strcmp(key, "live")) {
            live = fopen(value, "a");
            if (!live) {
                fprintf(stderr, "mf_icount: cannot open %s\n", value);
                return -1;
            }
        }
        else {
            fprintf(stderr, "mf_icount: unknown argument %s\n", key);
            return -1;
        }
    }
    riscv = info && info->target_name && !strncmp(info->target_name, "riscv", 5);
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
    return 0;
}
