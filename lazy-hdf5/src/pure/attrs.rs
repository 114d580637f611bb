//! Attributes of groups and datasets, and the dimension scales attached to
//! a dataset's axes, as lazy-hdf5's own reader reads them:
//! [`Attribute`] and [`AttrValue`], for
//! [`PureFile::attributes`](super::PureFile::attributes) and
//! [`PureFile::dimension_scales`](super::PureFile::dimension_scales).
//!
//! Values are decoded here from what hdf5-reader parsed: numbers of either
//! byte order widened to 64 bits (their width in the file kept), h5py's
//! bools, fixed- and variable-length strings. Other types (compound, enum,
//! reference, …) are named, not decoded.

use hdf5_core::{ByteOrder, Datatype, StringSize, VarLenKind};

/// An attribute of a group or dataset, read without libhdf5
/// ([`PureFile::attributes`](crate::PureFile::attributes)).
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// Its name.
    pub name: String,
    /// Its shape: empty for a scalar (most attributes), `[n]` for a list.
    pub shape: Vec<usize>,
    /// Its values, in row-major order.
    pub value: AttrValue,
}

/// The values of an [`Attribute`], by kind. Numbers keep their width in the
/// file (`bytes`) and are widened to 64 bits; either byte order reads.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AttrValue {
    /// Signed integers of `bytes` (1, 2, 4 or 8) bytes.
    Signed {
        /// Bytes per value in the file.
        bytes: u8,
        /// The values.
        values: Vec<i64>,
    },
    /// Unsigned integers of `bytes` (1, 2, 4 or 8) bytes. (Not `UInt`:
    /// that would make rustc spell typenum's `UInt` in full in the type
    /// errors of every crate that sees this one.)
    Unsigned {
        /// Bytes per value in the file.
        bytes: u8,
        /// The values.
        values: Vec<u64>,
    },
    /// Floats of `bytes` (4 or 8) bytes.
    Float {
        /// Bytes per value in the file.
        bytes: u8,
        /// The values.
        values: Vec<f64>,
    },
    /// Bools as h5py writes them (an enum over one byte, `FALSE = 0`,
    /// `TRUE = 1`).
    Bool(Vec<bool>),
    /// Strings: fixed-length (`fixed: Some(bytes)`, padding removed) or
    /// variable-length (`fixed: None`).
    Text {
        /// The stored length of each string, for fixed-length strings.
        fixed: Option<usize>,
        /// The strings.
        values: Vec<String>,
    },
    /// A type this reader does not decode (compound, enum, reference,
    /// opaque, …): the HDF5 type in words.
    Other(String),
}

impl AttrValue {
    /// The values as `f64`, when they are numbers (integers or floats):
    /// what CF attributes (`scale_factor`, `_FillValue`, …) need.
    ///
    /// ```
    /// use lazy_hdf5::AttrValue;
    /// let v = AttrValue::Signed { bytes: 2, values: vec![-999] };
    /// assert_eq!(v.numbers(), Some(vec![-999.0]));
    /// assert_eq!(AttrValue::Text { fixed: None, values: vec!["K".into()] }.numbers(), None);
    /// ```
    pub fn numbers(&self) -> Option<Vec<f64>> {
        match self {
            AttrValue::Signed { values, .. } => Some(values.iter().map(|&v| v as f64).collect()),
            AttrValue::Unsigned { values, .. } => Some(values.iter().map(|&v| v as f64).collect()),
            AttrValue::Float { values, .. } => Some(values.clone()),
            _ => None,
        }
    }

    /// The string, when the value is exactly one string (a `units` or
    /// `long_name` attribute).
    ///
    /// ```
    /// use lazy_hdf5::AttrValue;
    /// let v = AttrValue::Text { fixed: None, values: vec!["kelvin".into()] };
    /// assert_eq!(v.as_str(), Some("kelvin"));
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Text { values, .. } if values.len() == 1 => {
                values.first().map(String::as_str)
            }
            _ => None,
        }
    }
}

/// The attribute hdf5-reader parsed, decoded, or why it cannot be.
pub(crate) fn decode(attr: &hdf5_reader::Attribute) -> Result<Attribute, String> {
    let shape = attr
        .shape
        .iter()
        .map(|&n| usize::try_from(n).map_err(|_| format!("an axis of {n} values")))
        .collect::<Result<Vec<usize>, String>>()?;
    let n = attr
        .num_elements()
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or("more values than fit in memory")?;
    let value = value(attr, n)?;
    Ok(Attribute {
        name: attr.name.clone(),
        shape,
        value,
    })
}

/// The `n` values of `attr`.
fn value(attr: &hdf5_reader::Attribute, n: usize) -> Result<AttrValue, String> {
    let short = || format!("its data holds fewer than its {n} values");
    Ok(match &attr.datatype {
        Datatype::FixedPoint {
            size,
            signed,
            byte_order,
        } => {
            let words = words(&attr.raw_data, n, *size, *byte_order).ok_or_else(short)?;
            if *signed {
                // Sign-extended from `size` bytes.
                let shift = 64 - 8 * u32::from(*size);
                let values = words
                    .into_iter()
                    .map(|w| ((w as i64) << shift) >> shift)
                    .collect();
                AttrValue::Signed {
                    bytes: *size,
                    values,
                }
            } else {
                AttrValue::Unsigned {
                    bytes: *size,
                    values: words,
                }
            }
        }
        Datatype::FloatingPoint { size, byte_order } if matches!(size, 4 | 8) => {
            let words = words(&attr.raw_data, n, *size, *byte_order).ok_or_else(short)?;
            let values = words
                .into_iter()
                .map(|w| match size {
                    4 => f64::from(f32::from_bits(w as u32)),
                    _ => f64::from_bits(w),
                })
                .collect();
            AttrValue::Float {
                bytes: *size,
                values,
            }
        }
        Datatype::Enum { base, members }
            if matches!(**base, Datatype::FixedPoint { size: 1, .. })
                && members.len() == 2
                && members
                    .iter()
                    .any(|m| m.name == "FALSE" && m.value.as_slice() == [0u8])
                && members
                    .iter()
                    .any(|m| m.name == "TRUE" && m.value.as_slice() == [1u8]) =>
        {
            let bytes = attr.raw_data.get(..n).ok_or_else(short)?;
            AttrValue::Bool(bytes.iter().map(|&b| b != 0).collect())
        }
        Datatype::String {
            size: StringSize::Fixed(len),
            ..
        } => {
            let values = attr.read_strings().map_err(|e| e.to_string())?;
            if values.len() != n {
                return Err(short());
            }
            AttrValue::Text {
                fixed: Some(*len as usize),
                values,
            }
        }
        Datatype::String {
            size: StringSize::Variable,
            ..
        }
        | Datatype::VarLen {
            kind: VarLenKind::String,
            ..
        } => match &attr.decoded_strings {
            Some(values) if values.len() == n => AttrValue::Text {
                fixed: None,
                values: values.clone(),
            },
            _ => return Err("its strings cannot be read from the file's heap".into()),
        },
        other => AttrValue::Other(described(other)),
    })
}

/// `n` values of `size` bytes (1 to 8) from `raw`, each as the
/// little-endian `u64` of its bytes (zero-extended), or `None` when `raw`
/// is short or the size is not 1 to 8.
fn words(raw: &[u8], n: usize, size: u8, order: ByteOrder) -> Option<Vec<u64>> {
    let size = usize::from(size);
    if !(1..=8).contains(&size) {
        return None;
    }
    let bytes = raw.get(..n.checked_mul(size)?)?;
    Some(
        bytes
            .chunks_exact(size)
            .map(|b| {
                let mut w = [0u8; 8];
                for (i, &byte) in b.iter().enumerate() {
                    let at = if order == ByteOrder::BigEndian {
                        size - 1 - i
                    } else {
                        i
                    };
                    if let Some(slot) = w.get_mut(at) {
                        *slot = byte;
                    }
                }
                u64::from_le_bytes(w)
            })
            .collect(),
    )
}

/// An HDF5 type lazy-hdf5 does not decode as an attribute, in words.
fn described(dt: &Datatype) -> String {
    match dt {
        Datatype::FixedPoint { size, .. } => format!("integer of {size} bytes"),
        Datatype::FloatingPoint { size, .. } => format!("float of {size} bytes"),
        Datatype::String { .. } => "string".into(),
        Datatype::Enum { .. } => "enum".into(),
        Datatype::Compound { .. } => "compound".into(),
        Datatype::Array { .. } => "array".into(),
        Datatype::VarLen { .. } => "variable-length sequence".into(),
        Datatype::Opaque { .. } => "opaque".into(),
        Datatype::Reference { .. } => "reference".into(),
        Datatype::Bitfield { .. } => "bitfield".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_read_either_byte_order_and_refuse_short_data() {
        assert_eq!(
            words(&[1, 0, 0, 2], 2, 2, ByteOrder::LittleEndian),
            Some(vec![1, 512])
        );
        assert_eq!(
            words(&[1, 0, 0, 2], 2, 2, ByteOrder::BigEndian),
            Some(vec![256, 2])
        );
        assert_eq!(words(&[1, 0, 0], 2, 2, ByteOrder::LittleEndian), None);
        assert_eq!(words(&[0; 16], 1, 16, ByteOrder::LittleEndian), None);
    }
}
