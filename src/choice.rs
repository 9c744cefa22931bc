//! Named choices: the enums whose values users type (engine, insert method,
//! lock model, schedule, overhead preset, index policy, SQLite modes...).
//! One macro gives each its list of values, its name, `Display`, `FromStr`
//! with an error that lists the valid names, and serde by name, so the CLI,
//! scenario files, exports and charts spell every value the same way and
//! only the CLI needs to know clap.

/// A closed set of named values.
pub trait Choice: Copy + Sized + 'static {
    /// What the values are called in messages ("engine", "lock model").
    const KIND: &'static str;
    /// Every value, in declaration order.
    fn all() -> &'static [Self];
    /// The value's name.
    fn name(self) -> &'static str;

    /// Every valid name, in declaration order.
    fn names() -> Vec<&'static str> {
        Self::all().iter().map(|c| c.name()).collect()
    }

    /// The value called `s`, or an error naming the valid values.
    fn parse_name(s: &str) -> Result<Self, String> {
        Self::all()
            .iter()
            .copied()
            .find(|c| c.name() == s.trim())
            .ok_or_else(|| {
                format!(
                    "unknown {} '{s}' (valid: {})",
                    Self::KIND,
                    Self::names().join(", ")
                )
            })
    }
}

/// Counts token trees, for the length of `ALL`.
macro_rules! count_tts {
    () => { 0usize };
    ($head:tt $($tail:tt)*) => { 1usize + $crate::choice::count_tts!($($tail)*) };
}
pub(crate) use count_tts;

/// Declares a [`Choice`] enum: `choice! { /// doc
/// pub enum Engine: "engine" { Sqlite = "sqlite", Duckdb = "duckdb" } }`.
macro_rules! choice {
    (
        $(#[$meta:meta])*
        $vis:vis enum $T:ident : $kind:literal {
            $( $(#[$vmeta:meta])* $V:ident = $name:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $T { $( $(#[$vmeta])* $V ),+ }

        impl $T {
            /// Every value, in declaration order.
            pub const ALL: [$T; $crate::choice::count_tts!($($V)+)] = [$($T::$V),+];
            /// The name users type and files hold.
            pub fn name(self) -> &'static str {
                match self { $($T::$V => $name),+ }
            }
        }

        impl $crate::choice::Choice for $T {
            const KIND: &'static str = $kind;
            fn all() -> &'static [Self] {
                &Self::ALL
            }
            fn name(self) -> &'static str {
                $T::name(self)
            }
        }

        impl std::fmt::Display for $T {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for $T {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                <$T as $crate::choice::Choice>::parse_name(s)
            }
        }

        impl serde::Serialize for $T {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> serde::Deserialize<'de> for $T {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use choice;

#[cfg(test)]
mod tests {
    use super::Choice;

    choice! {
        /// A test choice.
        enum Fruit: "fruit" { Apple = "apple", BloodOrange = "blood-orange" }
    }

    #[test]
    fn names_parse_display_and_serde_agree() {
        assert_eq!(Fruit::ALL, [Fruit::Apple, Fruit::BloodOrange]);
        assert_eq!(Fruit::BloodOrange.to_string(), "blood-orange");
        assert_eq!("apple".parse::<Fruit>(), Ok(Fruit::Apple));
        let e = "pear".parse::<Fruit>().unwrap_err();
        assert_eq!(e, "unknown fruit 'pear' (valid: apple, blood-orange)");
        assert_eq!(
            serde_json::to_string(&Fruit::BloodOrange).unwrap(),
            "\"blood-orange\""
        );
        let back: Fruit = serde_json::from_str("\"apple\"").unwrap();
        assert_eq!(back, Fruit::Apple);
        assert!(
            serde_json::from_str::<Fruit>("\"kiwi\"")
                .unwrap_err()
                .to_string()
                .contains("valid: apple, blood-orange")
        );
        assert_eq!(Fruit::names(), vec!["apple", "blood-orange"]);
    }
}
