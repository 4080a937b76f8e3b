#!/usr/bin/env python3
"""Writes a man page (roff) from a command's own --help, and its subcommands' recursively, so the
manual says exactly what the program says. Usage: manpage.py BINARY NAME VERSION DATE > NAME.1"""
import re
import subprocess
import sys

binary, name, version, date = sys.argv[1:5]


def help_text(words):
    return subprocess.run([binary, *words, "--help"], capture_output=True, text=True, check=True).stdout


def subcommands(text):
    found, inside = [], False
    for line in text.splitlines():
        if line.startswith("SUBCOMMANDS:"):
            inside = True
            continue
        if inside:
            if line and not line.startswith(" "):
                break
            match = re.match(r"^  ([a-z][a-z0-9-]*)\b", line)
            if match and match.group(1) != "help":
                found.append(match.group(1))
    return found


def roff(text):
    lines = []
    for line in text.rstrip().splitlines():
        line = line.replace("\\", "\\e")
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def walk(words):
    text = help_text(words)
    yield words, text
    for sub in subcommands(text):
        yield from walk(words + [sub])


top = help_text([])
summary = top.splitlines()[0].replace("OVERVIEW: ", "").strip()
print(f'.TH {name.upper()} 1 "{date}" "{name} {version}" "User Commands"')
print(".SH NAME")
print(f"{name} \\- {roff(summary)}")
print(".SH DESCRIPTION")
print(".nf")
print(roff(top))
print(".fi")
sections = list(walk([]))[1:]
if sections:
    print(".SH COMMANDS")
    for words, text in sections:
        print(f".SS {name} {' '.join(words)}")
        print(".nf")
        print(roff(text))
        print(".fi")
print(".SH SEE ALSO")
print("/usr/share/doc/liandong/README.md, /usr/share/doc/liandong/deploy.md")
