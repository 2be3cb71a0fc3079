# SPDX-License-Identifier: MIT
"""SCons helpers for Axolotl, loaded as a tool (toolpath=['tools/scons']).

Adds to every environment:
  env.AxlKernel(name, sources, ldscript)  two-pass kernel link -> name.elf, name.elf32
  env.AxlHostTest(name, sources)          a cmocka test program, and its run alias
  env.AxlUserProgram(name, sources)       a user program -> build/user/<name>.elf
  env.AxlScenarioImage(scenario, kernel)  a scenario's boot modules, and its alias
  env.AxlScenarioIso(scenario, kernel32)  a GRUB ISO of a scenario (alias iso-<name>)
Quiet build lines unless V=1.
"""
import os
import re
import subprocess
import sys

import SCons.Action
import SCons.Errors
import SCons.Script

sys.path.insert(0, os.path.dirname(__file__))
import ksyms  # noqa: E402


def _quiet(env):
    if env.get('V') != '1':
        for var, tag in [('CCCOMSTR', 'CC'), ('ASPPCOMSTR', 'AS'), ('LINKCOMSTR', 'LD'),
                         ('ARCOMSTR', 'AR'), ('RANLIBCOMSTR', 'RANLIB'), ('INSTALLSTR', 'COPY')]:
            env[var] = f'  {tag:6} $TARGET' if var != 'INSTALLSTR' else '  COPY   $TARGET'


def _kernel(env, name, sources, ldscript):
    """Links the kernel twice so it can carry its own symbol table (see ksyms.py)."""
    # Sources, or objects already made (with their own flags) that are linked as they are.
    objs = [o for src in env.Flatten(sources)
            for o in ([src] if str(src).endswith(env.subst('$OBJSUFFIX')) else env.Object(src))]
    empty = env.Object(f'{name}.ksyms_empty.o', '#kernel/panic/ksyms_empty.S')
    lds = env.Command(f'{name}.ld', ldscript,
                      SCons.Action.Action('$CC -E -P -x c $_CPPINCFLAGS -o $TARGET $SOURCE',
                                          '  CPP    $TARGET' if env.get('V') != '1' else None))
    link = '$LD $KLINKFLAGS -T ${SOURCES[0]} -o $TARGET ${SOURCES[1:]}'
    link_str = '  LD     $TARGET' if env.get('V') != '1' else None
    pass1 = env.Command(f'{name}.pass1.elf', lds + objs + empty, SCons.Action.Action(link, link_str))

    def gen(target, source, env):
        ksyms.gen_ksyms(env.subst('$NM'), str(source[0]), str(target[0]))
    ksyms_s = env.Command(f'{name}.ksyms.S', pass1,
                          SCons.Action.Action(gen, '  KSYMS  $TARGET'))
    ksyms_o = env.Object(f'{name}.ksyms.o', ksyms_s)
    elf = env.Command(f'{name}.elf', lds + objs + ksyms_o, SCons.Action.Action(link, link_str))

    def check(target, source, env):
        err = ksyms.check_link(env.subst('$NM'), str(source[1]), str(source[0]), str(target[0]))
        if err:
            print(f'error: {err}', file=sys.stderr)
            return 1
        return 0
    elf32 = env.Command(f'{name}.elf32', [elf, pass1], [
        SCons.Action.Action('$OBJCOPY -O elf32-i386 $SOURCE $TARGET',
                            '  OBJCPY $TARGET' if env.get('V') != '1' else None),
        SCons.Action.Action(check, '  CHECK  $TARGET (link passes agree, Multiboot header)')])
    return elf + elf32


def _run_test(target, source, env):
    """Runs a test program with its output on the console; fails the build on failure."""
    prog = str(source[0])
    print(f'  RUN    {prog}', flush=True)
    rc = subprocess.call([os.path.abspath(prog)])
    if rc != 0:
        print(f'error: {prog} exited with status {rc}', file=sys.stderr)
    return rc


def _host_test(env, name, sources):
    prog = env.Program(name, sources)
    run = env.Command(f'{name}.run', prog, SCons.Action.Action(_run_test, None))
    env.AlwaysBuild(run)
    return prog, run


USER_DIR = 'build/user'  # where AxlUserProgram puts <name>.elf; program modules come from here
_PROGRAM_NAME = re.compile(r'[a-z0-9_-]+\Z')  # as tools/axlpy/scenario.py accepts in modules


def _user_program(env, name, sources, root_task=False):
    """Links sources with the user libraries into build/user/<name>.elf (docs/user-space.md).

    Needs $ULIBS (libipc, the porting layer, newlib's libc and libm, libgcc), $NEWLIB_HEADERS
    and $ULINKFLAGS, which SConstruct sets on the user environment. The libraries are one
    --start-group: libipc's start-up code calls newlib's exit, which calls the porting layer's
    _exit, which calls libipc. Sources are compiled into the calling SConscript's variant
    directory; objects among them (env.Object nodes, .o files) are linked as they are.
    root_task=True links the root task's heap arena too (libc/root_arena.c): for programs
    that run as the first boot module and call malloc (processes get a heap quota instead).
    """
    if not _PROGRAM_NAME.match(name):
        raise SCons.Errors.UserError(f'user program name {name!r} must match [a-z0-9_-]+')
    objs = []
    for src in env.Flatten(sources):
        objs += [src] if str(src).endswith(env.subst('$OBJSUFFIX')) else env.Object(src)
    env.Depends(objs, env['NEWLIB_HEADERS'])  # the headers are built, not scanned
    if root_task:
        objs += env['ROOT_ARENA']
    ldscript = env.File('#libipc/user.ld')
    libs = 1 + len(objs)  # where the libraries start in the sources
    link = SCons.Action.Action(
        f'$LD $ULINKFLAGS -T ${{SOURCES[0]}} -o $TARGET ${{SOURCES[1:{libs}]}} '
        f'--start-group ${{SOURCES[{libs}:]}} --end-group',
        '  LD     $TARGET' if env.get('V') != '1' else None)
    return env.Command(f'#{USER_DIR}/{name}.elf', [ldscript] + objs + env['ULIBS'], link)


def _module_source(env, scen, index, module):
    """The node a module is copied from: a file of the scenario, or a built user program."""
    if not module.program:
        return env.File(os.path.join(scen.dir, module.file))
    elf = env.File(f'#{USER_DIR}/{module.program}.elf')
    if not elf.has_builder():  # no AxlUserProgram made it (they all run before the images)
        where = os.path.relpath(scen.file, env.Dir('#').abspath)
        print(f'error: {where}: modules[{index}]: no SConscript builds user program '
              f'{module.program!r} ({USER_DIR}/{module.program}.elf); build it with '
              f'env.AxlUserProgram({module.program!r}, [...]) (docs/user-space.md)',
              file=sys.stderr)
        SCons.Script.Exit(2)
    return elf


def _module_sources(env, scen):
    """(name in the image, source node) for each module of scen."""
    return [(m.file, _module_source(env, scen, i, m)) for i, m in enumerate(scen.modules)]


def _scenario_image(env, scen, kernel):
    """Copies a scenario's modules next to each other under build/scenarios/<name>/."""
    mods = []
    for name, src in dict(_module_sources(env, scen)).items():  # a module listed twice: one copy
        mods += env.InstallAs(f'#build/scenarios/{scen.name}/{name}', src)
    return env.Alias(f'scenario-{scen.name}', kernel + mods)


def _grub_cfg(scen):
    """GRUB passes a module's arguments only, so each module line repeats its name first."""
    lines = ['set timeout=0', 'set default=0', f'menuentry "Axolotl: {scen.name}" {{',
             f'    multiboot /boot/kernel.elf32 {scen.cmdline}'.rstrip()]
    for m in scen.modules:
        name = os.path.basename(m.file)
        lines.append(f'    module /boot/modules/{m.file} {name} {m.args}'.rstrip())
    lines += ['    boot', '}']
    return '\n'.join(lines) + '\n'


def _scenario_iso(env, scen, kernel32):
    """build/iso/<name>.iso: the same kernel and modules, booted by GRUB 2 instead of QEMU's loader."""
    mods = _module_sources(env, scen)

    def build(target, source, env):
        import shutil
        import tempfile
        if not shutil.which('grub-mkrescue') or not shutil.which('xorriso'):
            print('error: building an ISO needs grub-mkrescue and xorriso: '
                  'run tools/install-deps --iso (Debian: grub-pc-bin grub-common xorriso)', file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, 'boot', 'grub'))
            shutil.copy(str(source[0]), os.path.join(root, 'boot', 'kernel.elf32'))
            for name, src in mods:
                dst = os.path.join(root, 'boot', 'modules', name)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copy(src.abspath, dst)
            with open(os.path.join(root, 'boot', 'grub', 'grub.cfg'), 'w') as f:
                f.write(_grub_cfg(scen))
            r = subprocess.run(['grub-mkrescue', '-o', str(target[0]), root], capture_output=True, text=True)
            if r.returncode != 0:
                print(r.stderr, file=sys.stderr)
            return r.returncode
    sources = [kernel32] + [src for _, src in mods]
    iso = env.Command(f'#build/iso/{scen.name}.iso', sources,
                      SCons.Action.Action(build, '  ISO    $TARGET'))
    env.Depends(iso, env.Value(_grub_cfg(scen)))
    return env.Alias(f'iso-{scen.name}', iso)


def generate(env):
    _quiet(env)
    env.AddMethod(_kernel, 'AxlKernel')
    env.AddMethod(_host_test, 'AxlHostTest')
    env.AddMethod(_user_program, 'AxlUserProgram')
    env.AddMethod(_scenario_image, 'AxlScenarioImage')
    env.AddMethod(_scenario_iso, 'AxlScenarioIso')


def exists(env):
    return True
