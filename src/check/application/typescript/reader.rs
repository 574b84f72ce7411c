//! The syntax-tree walk behind [`super::Sources::read`]: one [`Reader`]
//! per file keeps what surrounds the current node (the named functions,
//! classes, signal handlers, object keys and assignment targets around
//! it) and records each fact with its line.

use std::collections::HashMap;

use oxc_ast::ast::{
    Argument, AssignmentExpression, BinaryExpression, CallExpression, Class, Expression, Function, IdentifierReference,
    MethodDefinition, NewExpression, ObjectExpression, ObjectPropertyKind, Program, PropertyDefinition, Statement,
    TaggedTemplateExpression, VariableDeclarator,
};
use oxc_ast_visit::{Visit, walk};
use oxc_span::{GetSpan, Span};
use oxc_syntax::scope::ScopeFlags;

use super::super::{At, Lines};
use super::{
    Client, Disconnect, HEALTH_WORDS, Log, NEST_HOOKS, Override, POOL_SETTINGS, POOLS, QueryLog, RAW_QUERIES, SIGNALS,
    Shape, Signal, Sources, Value,
};

/// Walks `program` and adds its facts to `facts`.
pub(super) fn read<'s, 'a>(
    facts: &'s mut Sources,
    program: &'s Program<'a>,
    text: &'s str,
    lines: Lines,
    file: &'s str,
    file_is_health: bool,
    counted: bool,
) {
    let mut reader = Reader {
        facts,
        text,
        lines,
        file,
        file_is_health,
        counted,
        module: HashMap::new(),
        frames: Vec::new(),
        classes: Vec::new(),
        pending_name: None,
        targets: Vec::new(),
        signals: Vec::new(),
        keys: Vec::new(),
        query_log: None,
        extends: 0,
    };
    reader.module_level(program);
    reader.visit_program(program);
}

struct Frame {
    name: Option<String>,
    /// The class whose constructor this is.
    constructor_of: Option<usize>,
}

struct ClassFrame {
    name: String,
    injectable: bool,
    /// The index of its client when it extends PrismaClient.
    client: Option<usize>,
}

struct Reader<'s, 'a> {
    facts: &'s mut Sources,
    text: &'s str,
    lines: Lines,
    file: &'s str,
    file_is_health: bool,
    counted: bool,
    /// Top-level variables and what they are set to.
    module: HashMap<String, Option<&'s Expression<'a>>>,
    frames: Vec<Frame>,
    classes: Vec<ClassFrame>,
    /// The name the next function gets (`const shutdown = () => ...`).
    pending_name: Option<String>,
    /// Module or global state being assigned (`prisma = new PrismaClient()`).
    targets: Vec<String>,
    signals: Vec<String>,
    /// Object property keys around the current node.
    keys: Vec<String>,
    /// The `$on('query')` being read.
    query_log: Option<usize>,
    extends: usize,
}

impl<'s, 'a> Reader<'s, 'a> {
    fn at(&self, span: Span) -> At {
        At::new(self.file, self.lines.line(span.start as usize))
    }

    fn source(&self, span: Span) -> &'s str {
        &self.text[span.start as usize..span.end as usize]
    }

    fn module_level(&mut self, program: &'s Program<'a>) {
        for statement in &program.body {
            let declaration = match statement {
                Statement::VariableDeclaration(declaration) => declaration,
                Statement::ExportNamedDeclaration(export) => match &export.declaration {
                    Some(oxc_ast::ast::Declaration::VariableDeclaration(declaration)) => declaration,
                    _ => continue,
                },
                _ => continue,
            };
            for declarator in &declaration.declarations {
                if let Some(name) = declarator.id.get_identifier_name() {
                    self.module.insert(name.to_string(), declarator.init.as_ref());
                }
            }
        }
    }

    fn function_names(&self) -> Vec<String> {
        self.frames.iter().filter_map(|f| f.name.clone()).collect()
    }

    /// A disconnect-like fact at `span` with what surrounds it.
    fn surroundings(&self, span: Span) -> Disconnect {
        let method = self.frames.last().and_then(|f| f.name.clone());
        Disconnect {
            at: self.at(span),
            hook: method.filter(|m| NEST_HOOKS.contains(&m.as_str()) && !self.classes.is_empty()),
            signals: self.signals.clone(),
            functions: self.function_names(),
        }
    }

    fn in_health_check(&self) -> Option<String> {
        let mut names = self.function_names().into_iter().chain(self.classes.iter().map(|c| c.name.clone()));
        let named = names.rfind(|n| HEALTH_WORDS.iter().any(|w| n.to_ascii_lowercase().contains(w)));
        named.or_else(|| self.file_is_health.then(|| "a health file".to_owned()))
    }

    fn client(&mut self, span: Span, options: Option<&Argument<'a>>) -> usize {
        let class = self.classes.last();
        let shape = if let Some(target) = self.targets.last() {
            Shape::Lazy(target.clone())
        } else if self.keys.iter().any(|k| k == "useFactory") {
            Shape::Provider("useFactory".to_owned())
        } else if let Some(class) =
            class.filter(|_| self.frames.is_empty() || self.frames.last().is_some_and(|f| f.constructor_of.is_some()))
        {
            if class.injectable { Shape::Provider(class.name.clone()) } else { Shape::PerInstance(class.name.clone()) }
        } else if self.frames.is_empty() {
            Shape::ModuleLevel
        } else {
            Shape::PerCall(self.function_names().last().cloned().unwrap_or_else(|| "an anonymous function".into()))
        };
        let log = self.log(options);
        self.facts.clients.push(Client { at: self.at(span), shape, log, counted: self.counted });
        self.options_overrides(options);
        self.facts.clients.len() - 1
    }

    /// An object literal a top-level variable is set to.
    fn module_object(&self, name: &str) -> Option<&'s ObjectExpression<'a>> {
        match self.module.get(name).copied().flatten()? {
            Expression::ObjectExpression(object) => Some(object),
            _ => None,
        }
    }

    /// The options object of a client, following a top-level variable.
    fn options<'o>(&'o self, argument: Option<&'o Argument<'a>>) -> Option<&'o ObjectExpression<'a>> {
        match argument? {
            Argument::ObjectExpression(object) => Some(object),
            Argument::Identifier(name) => self.module_object(name.name.as_str()),
            _ => None,
        }
    }

    fn log(&self, options: Option<&Argument<'a>>) -> Log {
        let Some(value) = self.options(options).and_then(|o| property(o, "log")) else { return Log::Absent };
        let resolved = match value {
            Expression::Identifier(name) => self.module.get(name.name.as_str()).copied().flatten().unwrap_or(value),
            _ => value,
        };
        match resolved {
            Expression::ArrayExpression(_) => Log::Fixed(self.source(resolved.span()).to_owned()),
            _ => Log::Chosen(self.source(value.span()).to_owned()),
        }
    }

    /// The URL overrides in a client's options.
    fn options_overrides(&mut self, options: Option<&Argument<'a>>) {
        match options {
            Some(Argument::ObjectExpression(object)) => self.overrides(object),
            Some(Argument::Identifier(name)) => {
                if let Some(object) = self.module_object(name.name.as_str()) {
                    self.overrides(object);
                }
            }
            _ => {}
        }
    }

    fn overrides(&mut self, options: &ObjectExpression<'a>) {
        if let Some(Expression::ObjectExpression(sources)) = property(options, "datasources") {
            for source in &sources.properties {
                let ObjectPropertyKind::ObjectProperty(source) = source else { continue };
                let name = source.key.static_name().unwrap_or_default().to_string();
                if let Expression::ObjectExpression(fields) = &source.value {
                    if let Some(url) = property(fields, "url") {
                        self.push_override(format!("datasources.{name}.url"), url);
                    }
                }
            }
        }
        if let Some(url) = property(options, "datasourceUrl") {
            self.push_override("datasourceUrl".to_owned(), url);
        }
    }

    fn push_override(&mut self, what: String, value: &Expression<'a>) {
        let value_of = match value {
            Expression::StringLiteral(text) => Value::Literal(text.value.to_string()),
            Expression::TemplateLiteral(template) if template.expressions.is_empty() => {
                Value::Literal(template.quasis.iter().map(|q| q.value.raw.as_str()).collect())
            }
            other => Value::Code(self.source(other.span()).to_owned()),
        };
        self.facts.overrides.push(Override { at: self.at(value.span()), what, value: value_of });
    }

    fn pool(&mut self, name: &str, options: Option<&Argument<'a>>) {
        let Some(Argument::ObjectExpression(object)) = options else { return };
        for item in &object.properties {
            let ObjectPropertyKind::ObjectProperty(item) = item else { continue };
            let key = item.key.static_name().unwrap_or_default().to_string();
            if key == "connectionString" {
                self.push_override(format!("{name} connectionString"), &item.value);
            } else if POOL_SETTINGS.contains(&key.as_str()) {
                self.push_override(format!("{name} {key}"), &item.value);
            }
        }
    }
}

/// The value of property `name` of an object literal.
fn property<'o, 'a>(object: &'o ObjectExpression<'a>, name: &str) -> Option<&'o Expression<'a>> {
    object.properties.iter().find_map(|item| match item {
        ObjectPropertyKind::ObjectProperty(item) if item.key.static_name().as_deref() == Some(name) => {
            Some(&item.value)
        }
        _ => None,
    })
}

/// The property name of a call's callee (`x.$disconnect` -> `$disconnect`).
fn method_name<'a>(callee: &Expression<'a>) -> Option<&'a str> {
    callee.get_member_expr().and_then(|m| m.static_property_name())
}

fn string_argument<'a>(argument: Option<&Argument<'a>>) -> Option<&'a str> {
    match argument? {
        Argument::StringLiteral(text) => Some(text.value.as_str()),
        _ => None,
    }
}

fn is_client(callee: &Expression<'_>) -> bool {
    match callee {
        Expression::Identifier(name) => name.name == "PrismaClient",
        other => method_name(other) == Some("PrismaClient"),
    }
}

impl<'s, 'a> Visit<'a> for Reader<'s, 'a> {
    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        if is_client(&it.callee) {
            self.client(it.span, it.arguments.first());
        } else if let Expression::Identifier(name) = &it.callee {
            if POOLS.contains(&name.name.as_str()) {
                self.pool(name.name.as_str(), it.arguments.first());
            }
        }
        walk::walk_new_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        let method = method_name(&it.callee);
        let first = it.arguments.first();
        match method {
            Some("$disconnect") => {
                let fact = self.surroundings(it.span);
                self.facts.disconnects.push(fact);
            }
            Some("close") if !self.signals.is_empty() || !self.frames.is_empty() => {
                let fact = self.surroundings(it.span);
                self.facts.closes.push(fact);
            }
            Some("enableShutdownHooks") => self.facts.shutdown_hooks.push(self.at(it.span)),
            Some("$use") => self.facts.middleware.push(self.at(it.span)),
            Some("pingCheck") => self.facts.health.push((self.at(it.span), "a terminus pingCheck".to_owned())),
            Some(name) if RAW_QUERIES.contains(&name) => {
                if let Some(place) = self.in_health_check() {
                    self.facts.health.push((self.at(it.span), format!("{name} in {place}")));
                }
            }
            _ => {}
        }
        if matches!(it.callee, Expression::Super(_)) {
            if let Some(index) = self.classes.last().and_then(|c| c.client) {
                self.facts.clients[index].log = self.log(first);
                self.options_overrides(first);
            }
        }
        let object = it.callee.get_member_expr().map(|m| self.source(m.object().span()));
        let signal = string_argument(first).filter(|s| SIGNALS.contains(s));
        if let (Some("on" | "once" | "addListener" | "prependListener"), Some("process"), Some(signal)) =
            (method, object, signal)
        {
            let handler = match it.arguments.get(1) {
                Some(Argument::Identifier(name)) => Some(name.name.to_string()),
                _ => None,
            };
            self.facts.signals.push(Signal { at: self.at(it.span), signal: signal.to_owned(), handler });
            self.signals.push(signal.to_owned());
            walk::walk_call_expression(self, it);
            self.signals.pop();
            return;
        }
        if method == Some("$on") && string_argument(first) == Some("query") {
            self.facts.query_logs.push(QueryLog { at: self.at(it.span), threshold: false });
            let outer = self.query_log.replace(self.facts.query_logs.len() - 1);
            walk::walk_call_expression(self, it);
            self.query_log = outer;
            return;
        }
        if method == Some("$extends") {
            self.facts.extensions.push(self.at(it.span));
            self.extends += 1;
            walk::walk_call_expression(self, it);
            self.extends -= 1;
            return;
        }
        walk::walk_call_expression(self, it);
    }

    fn visit_tagged_template_expression(&mut self, it: &TaggedTemplateExpression<'a>) {
        if let Some(name) = method_name(&it.tag).filter(|n| RAW_QUERIES.contains(n)) {
            if let Some(place) = self.in_health_check() {
                self.facts.health.push((self.at(it.span), format!("{name} in {place}")));
            }
        }
        walk::walk_tagged_template_expression(self, it);
    }

    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        if it.name == "PrismaHealthIndicator" {
            self.facts.health.push((self.at(it.span), "@nestjs/terminus's PrismaHealthIndicator".to_owned()));
        }
    }

    fn visit_binary_expression(&mut self, it: &BinaryExpression<'a>) {
        if it.operator.is_compare() {
            let text = self.source(it.span);
            let timed = ["duration", "elapsed"].iter().any(|w| text.contains(w));
            if let (Some(index), true) = (self.query_log, timed) {
                self.facts.query_logs[index].threshold = true;
            } else if self.extends > 0 && (timed || text.contains("now()")) {
                self.facts.query_logs.push(QueryLog { at: self.at(it.span), threshold: true });
            }
        }
        walk::walk_binary_expression(self, it);
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        let target = self.source(it.left.span());
        let module =
            it.left.get_identifier_name().is_some_and(|n| self.module.contains_key(n) && !target.contains('.'));
        let global = target.starts_with("global") || target.contains("globalFor") || target.starts_with("this.");
        let kept = (module || (global && !target.starts_with("this."))).then(|| target.to_owned());
        // `this.prisma = new PrismaClient()` in a constructor is the class's own.
        let in_constructor = self.frames.last().is_some_and(|f| f.constructor_of.is_some());
        let pushed = kept.is_some() && !in_constructor;
        if let (true, Some(target)) = (pushed, kept) {
            self.targets.push(target);
        }
        walk::walk_assignment_expression(self, it);
        if pushed {
            self.targets.pop();
        }
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let (Some(name), Some(Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_))) =
            (it.id.get_identifier_name(), &it.init)
        {
            self.pending_name = Some(name.to_string());
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_object_property(&mut self, it: &oxc_ast::ast::ObjectProperty<'a>) {
        let key = it.key.static_name().unwrap_or_default().to_string();
        if matches!(it.value, Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_)) {
            self.pending_name = Some(key.clone());
        }
        self.keys.push(key);
        walk::walk_object_property(self, it);
        self.keys.pop();
    }

    fn visit_function(&mut self, it: &Function<'a>, flags: ScopeFlags) {
        let name = self.pending_name.take().or_else(|| it.id.as_ref().map(|id| id.name.to_string()));
        let constructor_of = flags.contains(ScopeFlags::Constructor).then(|| self.classes.len().saturating_sub(1));
        self.frames.push(Frame { name, constructor_of });
        walk::walk_function(self, it, flags);
        self.frames.pop();
    }

    fn visit_arrow_function_expression(&mut self, it: &oxc_ast::ast::ArrowFunctionExpression<'a>) {
        let name = self.pending_name.take();
        self.frames.push(Frame { name, constructor_of: None });
        walk::walk_arrow_function_expression(self, it);
        self.frames.pop();
    }

    fn visit_method_definition(&mut self, it: &MethodDefinition<'a>) {
        self.pending_name = it.key.static_name().map(|n| n.to_string());
        walk::walk_method_definition(self, it);
        self.pending_name = None;
    }

    fn visit_property_definition(&mut self, it: &PropertyDefinition<'a>) {
        if matches!(it.value, Some(Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_))) {
            self.pending_name = it.key.static_name().map(|n| n.to_string());
        }
        walk::walk_property_definition(self, it);
    }

    fn visit_class(&mut self, it: &Class<'a>) {
        let name = it.id.as_ref().map_or_else(|| "an anonymous class".to_owned(), |id| id.name.to_string());
        let injectable = it.decorators.iter().any(|d| self.source(d.expression.span()).starts_with("Injectable"));
        self.classes.push(ClassFrame { name: name.clone(), injectable, client: None });
        if it.super_class.as_ref().is_some_and(is_client) {
            let outer = std::mem::take(&mut self.frames);
            let index = self.client(it.id.as_ref().map_or(it.span, |id| id.span), None);
            self.frames = outer;
            if let Some(class) = self.classes.last_mut() {
                class.client = Some(index);
            }
        }
        walk::walk_class(self, it);
        self.classes.pop();
    }
}
