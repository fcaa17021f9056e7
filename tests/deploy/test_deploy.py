"""PlatformIO projects for every board: PlatformIO parses them (offline) and their sources build
with mcuforge's toolchain for the board's CPU and memory map; a model that does not fit fails
with the sizes; --upload without the board's platform says what to install."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mcuforge.build.elf import read_elf
from mcuforge.deploy import generate_project, pio_config
from mcuforge.errors import DoesNotFit, McuforgeError
from mcuforge.target import all_boards, load_board

from ..conftest import mlperf, repo_path

BOARDS = [b.name for b in all_boards()]
MLP = str(repo_path("models", "mlp.py")) + ":make"


def test_at_least_seven_boards_on_both_isas():
    boards = all_boards()
    assert len(boards) >= 7
    assert {b.arch for b in boards} == {"arm", "riscv"}
    assert len({b.platformio.board for b in boards}) == len(boards)


def _check(project, board):
    env = dict(pio_config(project.path))[f"env:{board.name}"]
    options = dict(env)
    assert options["platform"] == board.platformio.platform and options["board"] == board.platformio.board
    assert options["board_build.ldscript"] == "mcuforge.ld" and (project.path / "mcuforge.ld").is_file()
    assert "-DMF_PROFILE_HOOKS" in options["build_flags"]
    program = project.program
    assert program.sizes.flash <= board.memory.flash.length
    info = read_elf(program.elf)
    entry = info.symbols["mf_vector_table" if board.arch == "arm" else "_start"]
    assert entry == board.memory.flash.origin  # the image starts where the board boots from
    assert (project.path / "src" / "model.c").is_file()
    assert (project.path / "lib" / "mcuforge_runtime" / "library.json").is_file()


@pytest.mark.parametrize("name", BOARDS)
def test_every_board_gets_a_project_that_parses_and_builds(name, tmp_path):
    board = load_board(name)
    project = generate_project(MLP, board, tmp_path / "proj")  # a float model that fits every board
    _check(project, board)
    header = (project.path / "src" / "mf_hil_board.h").read_text()
    assert f"0x{board.hil.uart_base:08x}u" in header and f'"{board.name}"' in header


@pytest.mark.parametrize("name", ["nucleo_l4r5zi", "disco_f746ng", "nucleo_l552ze_q", "nrf52840_dk",
                                  "sipeed-longan-nano"])
def test_int8_keyword_spotting_project(name, tmp_path):
    board = load_board(name)
    project = generate_project(str(mlperf("kws_ref_model.tflite")), board, tmp_path / "proj")
    _check(project, board)
    assert (project.path / "lib" / "mcuforge_kernels" / "src" / "mf_conv2d_s8.c").is_file()
    dsp = "arm_dsp" in board.kernel_variants
    assert ("__smlad" in (project.path / "lib" / "mcuforge_kernels" / "include" / "mf_dsp_dot.h").read_text()) \
        if dsp else not (project.path / "lib" / "mcuforge_kernels" / "include" / "mf_dsp_dot.h").exists()


def test_model_that_does_not_fit_fails_with_sizes(tmp_path):
    with pytest.raises(DoesNotFit, match=r"RAM \(16 KiB\) overflowed by \d+ bytes"):
        generate_project(str(mlperf("kws_ref_model.tflite")), load_board("hifive1-revb"), tmp_path / "proj")


def test_projects_are_reproducible(tmp_path):
    board = load_board("nucleo_l4r5zi")
    a = generate_project(str(mlperf("kws_ref_model.tflite")), board, tmp_path / "a", check_build=False)
    b = generate_project(str(mlperf("kws_ref_model.tflite")), board, tmp_path / "b", check_build=False)
    files = sorted(p.relative_to(a.path) for p in a.path.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b.path) for p in b.path.rglob("*") if p.is_file())
    for f in files:
        assert (a.path / f).read_bytes() == (b.path / f).read_bytes(), f


def test_pio_rejects_a_broken_config(tmp_path):
    (tmp_path / "platformio.ini").write_text("[env:x\nplatform = ststm32\n")
    with pytest.raises(McuforgeError, match="PlatformIO rejects"):
        pio_config(tmp_path)


def test_cli_deploy_and_upload_without_platform(tmp_path):
    env = {"PLATFORMIO_CORE_DIR": str(tmp_path / "pio-core"), "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "mcuforge.cli", "deploy", MLP, "--board", "nucleo_l4r5zi",
           "-o", str(tmp_path / "proj"), "--upload"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**env, "HOME": str(tmp_path)})
    assert proc.returncode == 2, proc.stderr
    assert "'ststm32' platform" in proc.stderr and "not installed" in proc.stderr
    assert "pkg install -g -p ststm32" in proc.stderr and "Traceback" not in proc.stderr
    assert (tmp_path / "proj" / "platformio.ini").is_file()


def test_cli_boards_lists_them(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "mcuforge.cli", "boards", "--json"], capture_output=True, text=True)
    names = {b["name"] for b in __import__("json").loads(proc.stdout)}
    assert names == set(BOARDS)


GNU = {"arm": "arm-none-eabi-gcc", "riscv": "riscv64-unknown-elf-gcc"}


@pytest.mark.parametrize("name,spec", [("nucleo_l4r5zi", "kws"), ("nucleo_l552ze_q", "kws"),
                                       ("sipeed-longan-nano", "kws"), ("hifive1-revb", "mlp"),
                                       ("nucleo_l4r5zi", "kws-float-fp16")])
def test_project_sources_compile_with_gcc(name, spec, tmp_path):
    """PlatformIO builds with GCC, not clang: every project file compiles with the GNU cross
    compiler for the board (picolibc's headers) and the project's build_flags, with no implicit
    declarations; fp16 on a Cortex-M4 board (fp32-accumulating kernels, TVM's `half`) too."""
    from mcuforge.build.tools import tool
    from mcuforge.deploy.project import project_sources

    board = load_board(name)
    model = {"kws": str(mlperf("kws_ref_model.tflite")), "mlp": MLP,
             "kws-float-fp16": str(mlperf("kws_ref_model_float32.tflite"))}[spec]
    project = generate_project(model, board, tmp_path / "proj", "fp16" if spec.endswith("fp16") else "auto",
                               check_build=False)
    sources, includes = project_sources(project.path)
    ini = (project.path / "platformio.ini").read_text().split("build_flags =\n", 1)[1]
    flags = [line.strip() for line in ini.splitlines() if line.startswith("    ")]
    isa = ["-mthumb"] if board.arch == "arm" else ["-march=rv32imac_zicsr", "-mabi=ilp32"]  # RISC-V: from the board file
    for src in sources:
        cmd = [tool(GNU[board.arch]), "--specs=picolibc.specs", *isa, *flags,
               "-Wall", "-Werror=implicit-function-declaration", "-Werror=attributes", "-Werror=int-conversion",
               *[f"-I{d}" for d in includes], "-c", str(src), "-o", str(tmp_path / "x.o")]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, f"{src.name}: {proc.stderr}"


@pytest.mark.parametrize("name", ["nucleo_l4r5zi", "nrf52840_dk"])
def test_a_training_project_carries_the_training_step(name, tmp_path):
    from mcuforge.deploy import Training
    from mcuforge.odl.compiler import Options

    board = load_board(name)
    project = generate_project(MLP, board, tmp_path / "proj", training=Training("all", Options(batch=2)))
    _check(project, board)
    model_h = (project.path / "src" / "model.h").read_text()
    assert "int mf_model_train_step(const mf_model_train_in_t *in, mf_model_train_out_t *out);" in model_h
    assert "#define MF_MODEL_BATCH 2" in model_h
    assert (project.path / "lib" / "mcuforge_kernels" / "src" / "mf_odl_linear_f32.c").is_file()


def test_a_training_project_needs_a_floating_point_unit(tmp_path):
    from mcuforge.deploy import Training

    with pytest.raises(McuforgeError, match=r"sipeed-longan-nano has no floating-point unit; training runs in fp32"):
        generate_project(MLP, load_board("sipeed-longan-nano"), tmp_path / "proj", training=Training("all"))
