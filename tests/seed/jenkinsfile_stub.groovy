// Runs a declarative Jenkinsfile with every step recorded instead of executed, and
// prints the calls as JSON: [{name, args, depth}], in the order Jenkins would meet them.
import groovy.json.JsonOutput

def calls = []
def depth = 0
def script = new GroovyShell().parse(new File(args[0]).getText('UTF-8'))
script.metaClass.methodMissing = { String name, Object arguments ->
    def list = arguments as List
    calls << [name: name, depth: depth,
              args: list.findAll { !(it instanceof Closure) }.collect { it instanceof Map ? it : it.toString() }]
    depth++
    list.findAll { it instanceof Closure }.each { it.call() }
    depth--
    null
}
script.run()
println JsonOutput.toJson(calls)
