//! A minimal, bounds-checked ELF reader: section headers (by name) and
//! loadable segments (virtual address → file offset), 32/64-bit, either
//! byte order. Enough for Go build info and cargo-auditable sections.

pub(crate) struct Elf {
    pub(crate) big_endian: bool,
    sections: Vec<Section>,
    segments: Vec<Segment>,
}

struct Section {
    name: String,
    offset: u64,
    size: u64,
    nobits: bool,
}

struct Segment {
    vaddr: u64,
    offset: u64,
    filesz: u64,
    flags: u64,
}

const PF_X: u64 = 1;
const PF_W: u64 = 2;

const MAX_SECTIONS: usize = 1 << 16;
const PT_LOAD: u32 = 1;
const SHT_NOBITS: u32 = 8;

struct Rd<'a> {
    b: &'a [u8],
    be: bool,
}

impl Rd<'_> {
    fn u16(&self, at: u64) -> Option<u64> {
        let at = usize::try_from(at).ok()?;
        let s = self.b.get(at..at.checked_add(2)?)?;
        let a = [s[0], s[1]];
        Some(u64::from(if self.be {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        }))
    }
    fn u32(&self, at: u64) -> Option<u64> {
        let at = usize::try_from(at).ok()?;
        let s = self.b.get(at..at.checked_add(4)?)?;
        let a = [s[0], s[1], s[2], s[3]];
        Some(u64::from(if self.be {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }))
    }
    fn u64(&self, at: u64) -> Option<u64> {
        let at = usize::try_from(at).ok()?;
        let s = self.b.get(at..at.checked_add(8)?)?;
        let a = [s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]];
        Some(if self.be {
            u64::from_be_bytes(a)
        } else {
            u64::from_le_bytes(a)
        })
    }
}

impl Elf {
    /// `Ok(None)` if `data` is not ELF; `Err` if it is but its headers are broken.
    pub(crate) fn parse(data: &[u8]) -> Result<Option<Elf>, String> {
        if data.get(..4) != Some(b"\x7fELF") {
            return Ok(None);
        }
        let is64 = match data.get(4) {
            Some(1) => false,
            Some(2) => true,
            other => return Err(format!("ELF: bad class {other:?}")),
        };
        let big_endian = match data.get(5) {
            Some(1) => false,
            Some(2) => true,
            other => return Err(format!("ELF: bad data encoding {other:?}")),
        };
        let r = Rd {
            b: data,
            be: big_endian,
        };
        let bad = || "ELF: header truncated".to_string();
        let (phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx) = if is64 {
            (
                r.u64(0x20).ok_or_else(bad)?,
                r.u64(0x28).ok_or_else(bad)?,
                r.u16(0x36).ok_or_else(bad)?,
                r.u16(0x38).ok_or_else(bad)?,
                r.u16(0x3A).ok_or_else(bad)?,
                r.u16(0x3C).ok_or_else(bad)?,
                r.u16(0x3E).ok_or_else(bad)?,
            )
        } else {
            (
                r.u32(0x1C).ok_or_else(bad)?,
                r.u32(0x20).ok_or_else(bad)?,
                r.u16(0x2A).ok_or_else(bad)?,
                r.u16(0x2C).ok_or_else(bad)?,
                r.u16(0x2E).ok_or_else(bad)?,
                r.u16(0x30).ok_or_else(bad)?,
                r.u16(0x32).ok_or_else(bad)?,
            )
        };
        let mut segments = Vec::new();
        if phoff != 0 && phentsize >= if is64 { 56 } else { 32 } {
            for i in 0..phnum {
                let base = phoff.checked_add(i * phentsize).ok_or_else(bad)?;
                let Some(ptype) = r.u32(base) else {
                    return Err(format!("ELF: program header {i} outside the file"));
                };
                let fields = if is64 {
                    (
                        r.u64(base.saturating_add(8)),
                        r.u64(base.saturating_add(16)),
                        r.u64(base.saturating_add(32)),
                        r.u32(base.saturating_add(4)),
                    )
                } else {
                    (
                        r.u32(base.saturating_add(4)),
                        r.u32(base.saturating_add(8)),
                        r.u32(base.saturating_add(16)),
                        r.u32(base.saturating_add(24)),
                    )
                };
                let (Some(offset), Some(vaddr), Some(filesz), Some(flags)) = fields else {
                    return Err(format!("ELF: program header {i} truncated"));
                };
                if ptype == u64::from(PT_LOAD) {
                    segments.push(Segment {
                        vaddr,
                        offset,
                        filesz,
                        flags,
                    });
                }
            }
        }
        let mut raw = Vec::new();
        if shoff != 0 && shentsize >= if is64 { 64 } else { 40 } && (shnum as usize) < MAX_SECTIONS
        {
            for i in 0..shnum {
                let base = shoff.checked_add(i * shentsize).ok_or_else(bad)?;
                let fields = if is64 {
                    (
                        r.u32(base),
                        r.u32(base.saturating_add(4)),
                        r.u64(base.saturating_add(24)),
                        r.u64(base.saturating_add(32)),
                    )
                } else {
                    (
                        r.u32(base),
                        r.u32(base.saturating_add(4)),
                        r.u32(base.saturating_add(16)),
                        r.u32(base.saturating_add(20)),
                    )
                };
                let (Some(name), Some(ty), Some(offset), Some(size)) = fields else {
                    return Err(format!("ELF: section header {i} outside the file"));
                };
                raw.push((name, ty, offset, size));
            }
        }
        let strtab = raw
            .get(shstrndx as usize)
            .and_then(|&(_, _, off, size)| slice(data, off, size));
        let sections = raw
            .iter()
            .map(|&(name, ty, offset, size)| Section {
                name: strtab.map(|t| cstr(t, name)).unwrap_or_default(),
                offset,
                size,
                nobits: ty == u64::from(SHT_NOBITS),
            })
            .collect();
        Ok(Some(Elf {
            big_endian,
            sections,
            segments,
        }))
    }

    /// The bytes of the named section, if present and inside the file.
    pub(crate) fn section<'a>(&self, data: &'a [u8], name: &str) -> Option<&'a [u8]> {
        let s = self.sections.iter().find(|s| s.name == name && !s.nobits)?;
        slice(data, s.offset, s.size)
    }

    /// Bytes at a virtual address, up to `len` (only within one loadable segment's file image).
    pub(crate) fn read_vaddr<'a>(&self, data: &'a [u8], vaddr: u64, len: u64) -> Option<&'a [u8]> {
        let seg = self
            .segments
            .iter()
            .find(|s| vaddr >= s.vaddr && vaddr - s.vaddr < s.filesz)?;
        let rel = vaddr - seg.vaddr;
        if len > seg.filesz - rel {
            return None;
        }
        slice(data, seg.offset.checked_add(rel)?, len)
    }

    /// Read a pointer-sized word at a virtual address.
    pub(crate) fn read_word(&self, data: &[u8], vaddr: u64, ptr_size: u64) -> Option<u64> {
        let b = self.read_vaddr(data, vaddr, ptr_size)?;
        let r = Rd {
            b,
            be: self.big_endian,
        };
        match ptr_size {
            8 => r.u64(0),
            4 => r.u32(0),
            _ => None,
        }
    }

    /// The file bytes of the first writable, non-executable loadable
    /// segment: where Go's `debug/buildinfo` looks for the build info when
    /// there is no `.go.buildinfo` section.
    pub(crate) fn data_segment<'a>(&self, data: &'a [u8]) -> Option<&'a [u8]> {
        let s = self
            .segments
            .iter()
            .find(|s| s.flags & (PF_X | PF_W) == PF_W)?;
        slice(data, s.offset, s.filesz)
    }
}

fn slice(data: &[u8], off: u64, size: u64) -> Option<&[u8]> {
    let start = usize::try_from(off).ok()?;
    let end = start.checked_add(usize::try_from(size).ok()?)?;
    data.get(start..end)
}

fn cstr(tab: &[u8], off: u64) -> String {
    let Ok(off) = usize::try_from(off) else {
        return String::new();
    };
    let Some(s) = tab.get(off..) else {
        return String::new();
    };
    let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
    String::from_utf8_lossy(&s[..end]).into_owned()
}

#[cfg(test)]
pub(crate) mod build {
    //! A tiny ELF64 little-endian writer for tests: named sections and one
    //! PT_LOAD segment mapping the whole file at `base`.

    pub(crate) fn elf64(sections: &[(&str, Vec<u8>)], base: u64) -> Vec<u8> {
        let mut shstr = vec![0u8];
        let mut name_offs = Vec::new();
        for (n, _) in sections {
            name_offs.push(shstr.len() as u32);
            shstr.extend_from_slice(n.as_bytes());
            shstr.push(0);
        }
        let shstr_name = shstr.len() as u32;
        shstr.extend_from_slice(b".shstrtab\0");
        let mut body = Vec::new();
        let data_start = 64 + 56; // ELF header + one program header
        let mut offs = Vec::new();
        for (_, d) in sections {
            offs.push((data_start + body.len()) as u64);
            body.extend_from_slice(d);
        }
        let shstr_off = (data_start + body.len()) as u64;
        body.extend_from_slice(&shstr);
        while body.len() % 8 != 0 {
            body.push(0);
        }
        let shoff = (data_start + body.len()) as u64;
        let shnum = sections.len() as u16 + 2;
        let total = shoff + u64::from(shnum) * 64;
        let mut out = Vec::new();
        out.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
        out.extend_from_slice(&2u16.to_le_bytes()); // e_type
        out.extend_from_slice(&62u16.to_le_bytes()); // x86-64
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&base.to_le_bytes()); // entry
        out.extend_from_slice(&64u64.to_le_bytes()); // phoff
        out.extend_from_slice(&shoff.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes()); // flags
        out.extend_from_slice(&64u16.to_le_bytes()); // ehsize
        out.extend_from_slice(&56u16.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&64u16.to_le_bytes());
        out.extend_from_slice(&shnum.to_le_bytes());
        out.extend_from_slice(&(shnum - 1).to_le_bytes()); // shstrndx: last
        // PT_LOAD covering the file.
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&5u32.to_le_bytes());
        out.extend_from_slice(&0u64.to_le_bytes());
        out.extend_from_slice(&base.to_le_bytes());
        out.extend_from_slice(&base.to_le_bytes());
        out.extend_from_slice(&total.to_le_bytes());
        out.extend_from_slice(&total.to_le_bytes());
        out.extend_from_slice(&0x1000u64.to_le_bytes());
        out.extend_from_slice(&body);
        let mut sh = |name: u32, ty: u32, off: u64, size: u64| {
            out.extend_from_slice(&name.to_le_bytes());
            out.extend_from_slice(&ty.to_le_bytes());
            out.extend_from_slice(&0u64.to_le_bytes());
            out.extend_from_slice(&(base + off).to_le_bytes());
            out.extend_from_slice(&off.to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&[0u8; 24]);
        };
        sh(0, 0, 0, 0);
        for (i, (_, d)) in sections.iter().enumerate() {
            sh(name_offs[i], 1, offs[i], d.len() as u64);
        }
        sh(shstr_name, 3, shstr_off, shstr.len() as u64);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_segments() {
        let bin = build::elf64(
            &[(".text", vec![0x90; 16]), (".dep-v0", b"payload".to_vec())],
            0x400000,
        );
        let elf = Elf::parse(&bin).unwrap().unwrap();
        assert_eq!(elf.section(&bin, ".dep-v0"), Some(&b"payload"[..]));
        assert_eq!(elf.section(&bin, ".missing"), None);
        assert_eq!(elf.read_vaddr(&bin, 0x400000, 4), Some(&b"\x7fELF"[..]));
        assert_eq!(elf.read_vaddr(&bin, 0x300000, 4), None);
        assert!(Elf::parse(b"#!/bin/sh\n").unwrap().is_none());
        // Fuzzer find: program header offset near u64::MAX overflowed `base + 8`.
        let mut crash = b"\x7fELF\x02\x01\x08".to_vec();
        crash.extend([0xff; 17]);
        crash.push(0xfb);
        crash.extend([0xff; 24]);
        crash.extend([0; 7]);
        crash.extend([0xff; 12]);
        crash.extend([0; 15]);
        crash.extend(b"'\0Cl-/r");
        assert!(Elf::parse(&crash).is_err());
        // Truncations never panic.
        for n in 0..bin.len() {
            let _ = Elf::parse(&bin[..n]);
        }
    }
}
