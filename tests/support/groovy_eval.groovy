// Evaluate Groovy expressions, one per line of the file given, in one JVM. Each result
// is printed as the hex of its UTF-16 code units (so any text survives the trip), one per
// line, in order. Expressions are compiled in batches, each batch its own method.
def lines = new File(args[0]).getText('UTF-8').split('\n', -1).findAll { it }
def shell = new GroovyShell()
int batch = 100
for (int start = 0; start < lines.size(); start += batch) {
    def part = lines.subList(start, Math.min(start + batch, lines.size()))
    def source = 'return [\n' + part.join(',\n') + '\n]'
    def values = shell.evaluate(source)
    values.each { value ->
        println value.toString().toCharArray().collect { String.format('%04x', (int) it) }.join('')
    }
}
