//! The Graph API `fields` parameter: `id,participants,messages.limit(20){id,message,from}`.

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub limit: Option<usize>,
    /// The other modifiers, as written: `summary(true)`, `filter(stream)`, `order(...)`.
    pub modifiers: Vec<(String, String)>,
    pub children: Vec<Field>,
}

impl Field {
    fn leaf(name: &str) -> Field {
        Field {
            name: name.to_owned(),
            limit: None,
            modifiers: Vec::new(),
            children: Vec::new(),
        }
    }

    /// What modifier `name` says, if it is given.
    pub fn modifier(&self, name: &str) -> Option<&str> {
        self.modifiers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The fields asked for, or `defaults` when the parameter is absent or empty.
pub fn requested(param: Option<&str>, defaults: &[&str]) -> Result<Vec<Field>, String> {
    match param {
        Some(text) if !text.trim().is_empty() => parse(text),
        _ => Ok(defaults.iter().map(|name| Field::leaf(name)).collect()),
    }
}

pub fn find<'a>(fields: &'a [Field], name: &str) -> Option<&'a Field> {
    fields.iter().find(|f| f.name == name)
}

pub fn parse(text: &str) -> Result<Vec<Field>, String> {
    let mut parser = Parser {
        chars: text.chars().filter(|c| !c.is_whitespace()).collect(),
        at: 0,
    };
    let fields = parser.list()?;
    if parser.at != parser.chars.len() {
        return Err(format!(
            "Syntax error in fields near position {}",
            parser.at
        ));
    }
    Ok(fields)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn list(&mut self) -> Result<Vec<Field>, String> {
        let mut fields = vec![self.field()?];
        while self.eat(',') {
            fields.push(self.field()?);
        }
        Ok(fields)
    }

    fn word(&mut self) -> String {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    fn field(&mut self) -> Result<Field, String> {
        let name = self.word();
        if name.is_empty() {
            return Err(format!("Syntax error in fields near position {}", self.at));
        }
        let mut field = Field::leaf(&name);
        while self.eat('.') {
            let modifier = self.word();
            if !self.eat('(') {
                return Err(format!("Syntax error: expected ( after .{modifier}"));
            }
            let start = self.at;
            while self.peek().is_some_and(|c| c != ')') {
                self.at += 1;
            }
            let argument: String = self.chars[start..self.at].iter().collect();
            if !self.eat(')') {
                return Err("Syntax error: missing )".into());
            }
            if modifier == "limit" {
                field.limit = Some(
                    argument
                        .parse()
                        .map_err(|_| format!("limit({argument}) is not a number"))?,
                );
            } else {
                field.modifiers.push((modifier, argument));
            }
        }
        if self.eat('{') {
            field.children = self.list()?;
            if !self.eat('}') {
                return Err("Syntax error: missing }".into());
            }
        }
        Ok(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_fields_with_limits_parse() {
        let fields = parse("id,participants,messages.limit(20){id,message,from}").unwrap();
        assert_eq!(fields.len(), 3);
        let messages = find(&fields, "messages").unwrap();
        assert_eq!(messages.limit, Some(20));
        assert_eq!(messages.children.len(), 3);
        let comments = parse("comments.summary(true).filter(stream).limit(5){id}").unwrap();
        assert_eq!(comments[0].modifier("filter"), Some("stream"));
        assert_eq!(comments[0].modifier("summary"), Some("true"));
        assert_eq!(comments[0].limit, Some(5));
        assert!(parse("id,{").is_err());
        assert!(parse("messages.limit(x)").is_err());
        assert_eq!(requested(None, &["id"]).unwrap(), vec![Field::leaf("id")]);
    }
}
