#!/usr/bin/env python3
"""tests/layering/check.py [ROOT] — reads every #include "..." of src/ and include/ and
fails (exit 1) on an include the table in deps.txt (beside this file) does not allow, on an
internal header included from another folder, on an include that resolves nowhere, and on
any include cycle (between folders, or between files of different folders). Prints
"N passed, N failed" like every other test."""
import os, re, sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(here))
table = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, 'deps.txt')
inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
fails = []
passed = 0

allowed = {}
for line in open(table):
    line = line.split('#', 1)[0].strip()
    if not line:
        continue
    name, _, rest = line.partition(':')
    allowed[name.strip()] = set(rest.split())

def folder_of(path):
    rel = os.path.relpath(path, root)
    parts = rel.split(os.sep)
    if parts[0] == 'include':
        return os.path.splitext(parts[1])[0]
    if parts[0] == 'src' and len(parts) == 2:
        return 'main'
    return parts[1]

files = []
for top in ('src', 'include'):
    for d, _, names in os.walk(os.path.join(root, top)):
        files += [os.path.join(d, n) for n in sorted(names) if n.endswith(('.c', '.h'))]

edges = {}          # file -> set of files it includes
folder_edges = {}   # folder -> set of folders
for f in sorted(files):
    src_folder = folder_of(f)
    if src_folder not in allowed:
        fails.append('%s: folder "%s" is not in %s' % (os.path.relpath(f, root), src_folder,
                                                      os.path.relpath(table, root)))
        continue
    edges[f] = set()
    for n, line in enumerate(open(f, encoding='utf-8', errors='replace'), 1):
        m = inc_re.match(line)
        if not m:
            continue
        name = m.group(1)
        where = '%s:%d: #include "%s"' % (os.path.relpath(f, root), n, name)
        beside = os.path.join(os.path.dirname(f), name)
        public = os.path.join(root, 'include', name)
        if os.path.exists(beside):
            target = os.path.normpath(beside)
        elif os.path.exists(public):
            target = public
        else:
            fails.append(where + ': resolves to no file beside it or in include/')
            continue
        edges[f].add(target)
        dst_folder = folder_of(target)
        if dst_folder == src_folder:
            passed += 1
            continue
        if not target.startswith(os.path.join(root, 'include') + os.sep):
            fails.append(where + ': an internal header of %s/ (use include/%s.h)'
                         % (dst_folder, dst_folder))
            continue
        if dst_folder not in allowed[src_folder]:
            fails.append(where + ': %s/ may not depend on %s/ (see %s)'
                         % (src_folder, dst_folder, os.path.relpath(table, root)))
            continue
        folder_edges.setdefault(src_folder, set()).add(dst_folder)
        passed += 1

def find_cycle(graph):
    """One cycle of graph as a list of nodes, or None (iterative DFS, stable order)."""
    state = {}
    for start in sorted(graph):
        if state.get(start):
            continue
        stack = [(start, iter(sorted(graph.get(start, ()))))]
        path = [start]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, iter(sorted(graph.get(nxt, ())))))
                path.append(nxt)
    return None

cyc = find_cycle(folder_edges)
if cyc:
    fails.append('include cycle between folders: ' + ' -> '.join(cyc))
else:
    passed += 1
# Between files: with the folders acyclic, a file cycle can only sit inside one folder; none
# is allowed anywhere (a header that includes itself through others hides its real needs).
cyc = find_cycle(edges)
if cyc:
    fails.append('include cycle between files: ' +
                 ' -> '.join(os.path.relpath(x, root) for x in cyc))
else:
    passed += 1
for f in fails:
    print('FAIL layering: ' + f)
print('%d passed, %d failed' % (passed, len(fails)))
sys.exit(1 if fails else 0)
