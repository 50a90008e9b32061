from pathlib import Path

ETC = Path("/etc")


def persist(line, name):
    with open("/etc/passwd", "a") as f:
        f.write(line)
    (ETC / "cron.d" / "job").write_text(line)
    open("/tmp/../proc/self/mem", mode="wb")
    open("notes.txt", "w")
    open(name, "w")
    open("/out/ok.txt", "w")
    open("/etc/hostname")
