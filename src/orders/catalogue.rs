//! The shop's catalogue: a CSV file it keeps (`[orders] catalogue`), with a header naming the
//! columns `code`, `name`, `price` (whole đồng, written as staff write it), and optionally
//! `variant` (size, colour), `stock` and `photo` (a file in the product-photo folder). UTF-8,
//! with or without the BOM Excel writes. Read again whenever the file changes.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

/// One thing the shop sells, as the catalogue lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Product {
    pub code: String,
    pub name: String,
    pub variant: Option<String>,
    pub price: i64,
    pub stock: Option<i64>,
    pub photo: Option<String>,
}

/// The largest catalogue read: far past any shop's (a hundred thousand products is a few MB).
const MAX_CATALOGUE_BYTES: u64 = 20 * 1024 * 1024;

/// Why the catalogue cannot be used: said with the file and the line.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("the catalogue {0} is not a file")]
    NotAFile(PathBuf),
    #[error("the catalogue {0} is larger than 20 MB: is it the right file?")]
    TooLarge(PathBuf),
    #[error("cannot read the catalogue {path}: {why}")]
    Read { path: PathBuf, why: std::io::Error },
    #[error("the catalogue {path} has no `{column}` column in its first line")]
    Column { path: PathBuf, column: &'static str },
    #[error("the catalogue {path}, line {line}: {problem}")]
    Line {
        path: PathBuf,
        line: u64,
        problem: String,
    },
}

/// The products of a catalogue file, read again when the file changes.
#[derive(Debug, Clone)]
pub struct Catalogue {
    read_at: SystemTime,
    products: Vec<Product>,
}

/// The catalogue file's last change, once it is known to be a file pagedesk reads.
fn looked_at(path: &Path) -> Result<SystemTime, CatalogueError> {
    let read = |why| CatalogueError::Read {
        path: path.to_owned(),
        why,
    };
    let metadata = std::fs::metadata(path).map_err(read)?;
    // A device or a pipe named by mistake would be read for ever.
    if !metadata.is_file() {
        return Err(CatalogueError::NotAFile(path.to_owned()));
    }
    if metadata.len() > MAX_CATALOGUE_BYTES {
        return Err(CatalogueError::TooLarge(path.to_owned()));
    }
    metadata.modified().map_err(read)
}

/// The catalogue file as it is now, last changed at `modified`.
fn read(path: &Path, modified: SystemTime) -> Result<Catalogue, CatalogueError> {
    let read = |why| CatalogueError::Read {
        path: path.to_owned(),
        why,
    };
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(
            std::fs::File::open(path).map_err(read)?,
            MAX_CATALOGUE_BYTES + 1,
        ),
        &mut bytes,
    )
    .map_err(read)?;
    // Grown since it was measured.
    if bytes.len() as u64 > MAX_CATALOGUE_BYTES {
        return Err(CatalogueError::TooLarge(path.to_owned()));
    }
    Ok(Catalogue {
        read_at: modified,
        products: parse(path, &bytes)?,
    })
}

impl Catalogue {
    /// The catalogue at `path`, read now.
    pub fn open(path: &Path) -> Result<Catalogue, CatalogueError> {
        let modified = looked_at(path)?;
        read(path, modified)
    }

    /// The catalogue at `path` read again if the file changed since `read_at` (`None`: never
    /// read); `None` if it did not. A file that cannot be used now says why.
    pub fn read_if_changed(
        path: &Path,
        read_at: Option<SystemTime>,
    ) -> Result<Option<Catalogue>, CatalogueError> {
        let modified = looked_at(path)?;
        if read_at == Some(modified) {
            return Ok(None);
        }
        read(path, modified).map(Some)
    }

    /// When the file was last changed, as it was read.
    pub fn read_at(&self) -> SystemTime {
        self.read_at
    }

    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// The product of code `code` (as typed: case and accents ignored).
    pub fn product(&self, code: &str) -> Option<&Product> {
        let wanted = crate::text::fold(code.trim());
        self.products
            .iter()
            .find(|p| crate::text::fold(&p.code) == wanted)
    }

    /// The products whose code, name or variant hold every word typed, accents ignored (as
    /// search does): "vay hoa m" finds "Váy hoa nhí · M".
    pub fn matching(&self, typed: &str) -> Vec<&Product> {
        let words: Vec<String> = crate::text::fold(typed)
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        self.products
            .iter()
            .filter(|p| {
                let text = crate::text::fold(&format!(
                    "{} {} {}",
                    p.code,
                    p.name,
                    p.variant.as_deref().unwrap_or_default()
                ));
                words.iter().all(|w| text.contains(w.as_str()))
            })
            .collect()
    }
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Vec<Product>, CatalogueError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let line_problem = |line: u64, problem: String| CatalogueError::Line {
        path: path.to_owned(),
        line,
        problem,
    };
    let header = reader
        .headers()
        .map_err(|e| line_problem(1, e.to_string()))?
        .clone();
    let column = |name: &'static str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let required = |name: &'static str| {
        column(name).ok_or(CatalogueError::Column {
            path: path.to_owned(),
            column: name,
        })
    };
    let (code, name, price) = (required("code")?, required("name")?, required("price")?);
    let (variant, stock, photo) = (column("variant"), column("stock"), column("photo"));
    let mut products = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            line_problem(line, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        // Buyers never write the catalogue, but its text reaches the terminal: cleaned.
        let field = |at: Option<usize>| {
            at.and_then(|at| record.get(at))
                .map(crate::text::clean_line)
                .filter(|v| !v.is_empty())
        };
        let Some(code_value) = field(Some(code)) else {
            return Err(line_problem(line, "no code".to_owned()));
        };
        let price_typed = field(Some(price)).unwrap_or_default();
        let Some(price_value) = super::parse_dong(&price_typed) else {
            return Err(line_problem(
                line,
                format!("the price {price_typed:?} is not an amount"),
            ));
        };
        let stock_value =
            match field(stock) {
                None => None,
                Some(typed) => Some(typed.parse::<i64>().map_err(|_| {
                    line_problem(line, format!("the stock {typed:?} is not a number"))
                })?),
            };
        products.push(Product {
            code: code_value,
            name: field(Some(name)).unwrap_or_default(),
            variant: field(variant),
            price: price_value,
            stock: stock_value,
            photo: field(photo),
        });
    }
    Ok(products)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOP: &str = "\u{feff}code,name,variant,price,stock,photo\n\
        VH-M,Váy hoa nhí,M,350.000,4,vay-hoa.jpg\n\
        VH-L,Váy hoa nhí,L,350k,,\n\
        AT01,\"Áo thun, cổ tròn\",Trắng,\"150,000đ\",10,\n\n";

    fn catalogue(text: &str) -> Result<Catalogue, CatalogueError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalogue.csv");
        std::fs::write(&path, text).unwrap();
        let catalogue = Catalogue::open(&path);
        drop(dir);
        catalogue
    }

    #[test]
    fn a_catalogue_as_excel_saves_it_is_read_with_its_prices_in_dong() {
        let catalogue = catalogue(SHOP).unwrap();
        assert_eq!(catalogue.products().len(), 3);
        let shirt = catalogue.product("at01").unwrap();
        assert_eq!(shirt.name, "Áo thun, cổ tròn");
        assert_eq!(shirt.price, 150_000);
        assert_eq!(catalogue.product("VH-L").unwrap().stock, None);
        let found: Vec<&str> = catalogue
            .matching("vay hoa m")
            .iter()
            .map(|p| p.code.as_str())
            .collect();
        assert_eq!(found, ["VH-M"]);
    }

    #[test]
    fn a_catalogue_that_cannot_be_used_says_where() {
        let no_price = catalogue("code,name\nA,B\n").unwrap_err().to_string();
        assert!(no_price.contains("no `price` column"), "{no_price}");
        let bad = catalogue("code,name,price\nA,B,350\nC,D,ba trăm\n")
            .unwrap_err()
            .to_string();
        assert!(bad.contains("line 3") && bad.contains("ba trăm"), "{bad}");
    }

    #[test]
    fn a_pipe_a_device_or_a_huge_file_named_as_the_catalogue_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("pipe");
        let made = std::ffi::CString::new(pipe.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo(3) with a valid C string.
        assert_eq!(unsafe { libc::mkfifo(made.as_ptr(), 0o600) }, 0);
        let huge = dir.path().join("huge.csv");
        std::fs::File::create(&huge)
            .unwrap()
            .set_len(MAX_CATALOGUE_BYTES + 1)
            .unwrap();
        for (path, said) in [
            (pipe.as_path(), "is not a file"),
            (std::path::Path::new("/dev/zero"), "is not a file"),
            (dir.path(), "is not a file"),
            (huge.as_path(), "larger than 20 MB"),
        ] {
            let refused = Catalogue::open(path).unwrap_err().to_string();
            assert!(refused.contains(said), "{path:?}: {refused}");
        }
    }

    #[test]
    fn a_file_is_read_again_only_when_it_changed_and_a_broken_one_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalogue.csv");
        std::fs::write(&path, "code,name,price\nA,Áo,100k\n").unwrap();
        let catalogue = Catalogue::open(&path).unwrap();
        let read_at = Some(catalogue.read_at());
        assert!(
            Catalogue::read_if_changed(&path, read_at)
                .unwrap()
                .is_none()
        );
        std::fs::write(&path, "code,name,price\nA,Áo,120k\nB,Quần,200k\n").unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(SystemTime::now() + std::time::Duration::from_secs(1))
            .unwrap();
        let catalogue = Catalogue::read_if_changed(&path, read_at).unwrap().unwrap();
        assert_eq!(catalogue.product("a").unwrap().price, 120_000);
        std::fs::write(&path, "code,name\n").unwrap();
        file.set_modified(SystemTime::now() + std::time::Duration::from_secs(2))
            .unwrap();
        let broken = Catalogue::read_if_changed(&path, Some(catalogue.read_at()));
        assert!(broken.unwrap_err().to_string().contains("price"));
    }
}
